import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace trireme {

    namespace raft {

        interface IConfState extends trireme.raft.ConfState.$Properties {
        }

        class ConfState {
            constructor(properties?: trireme.raft.ConfState.$Properties);
            $unknowns?: Uint8Array[];
            voters: number[];
            learners: number[];
            static create(properties: trireme.raft.ConfState.$Shape): trireme.raft.ConfState & trireme.raft.ConfState.$Shape;
            static create(properties?: trireme.raft.ConfState.$Properties): trireme.raft.ConfState;
            static encode(message: trireme.raft.ConfState.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.ConfState & trireme.raft.ConfState.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.ConfState;
            static toObject(message: trireme.raft.ConfState, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace ConfState {
            interface $Properties {
                voters?: (number[]|null);
                learners?: (number[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.ConfState.$Properties;
        }

        interface ISnapshotMeta extends trireme.raft.SnapshotMeta.$Properties {
        }

        class SnapshotMeta {
            constructor(properties?: trireme.raft.SnapshotMeta.$Properties);
            $unknowns?: Uint8Array[];
            index: number;
            term: number;
            conf?: (trireme.raft.ConfState.$Properties|null);
            static create(properties: trireme.raft.SnapshotMeta.$Shape): trireme.raft.SnapshotMeta & trireme.raft.SnapshotMeta.$Shape;
            static create(properties?: trireme.raft.SnapshotMeta.$Properties): trireme.raft.SnapshotMeta;
            static encode(message: trireme.raft.SnapshotMeta.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.SnapshotMeta & trireme.raft.SnapshotMeta.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.SnapshotMeta;
            static toObject(message: trireme.raft.SnapshotMeta, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace SnapshotMeta {
            interface $Properties {
                index?: (number|null);
                term?: (number|null);
                conf?: (trireme.raft.ConfState.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.SnapshotMeta.$Properties;
        }

        interface IEntry extends trireme.raft.Entry.$Properties {
        }

        class Entry {
            constructor(properties?: trireme.raft.Entry.$Properties);
            $unknowns?: Uint8Array[];
            term: number;
            index: number;
            type: number;
            data: Uint8Array;
            static create(properties: trireme.raft.Entry.$Shape): trireme.raft.Entry & trireme.raft.Entry.$Shape;
            static create(properties?: trireme.raft.Entry.$Properties): trireme.raft.Entry;
            static encode(message: trireme.raft.Entry.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.Entry & trireme.raft.Entry.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.Entry;
            static toObject(message: trireme.raft.Entry, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Entry {
            interface $Properties {
                term?: (number|null);
                index?: (number|null);
                type?: (number|null);
                data?: (Uint8Array|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.Entry.$Properties;
        }

        interface IMessage extends trireme.raft.Message.$Properties {
        }

        class Message {
            constructor(properties?: trireme.raft.Message.$Properties);
            $unknowns?: Uint8Array[];
            type: number;
            from: number;
            to: number;
            term: number;
            logTerm: number;
            index: number;
            entries: trireme.raft.Entry.$Properties[];
            commit: number;
            reject: boolean;
            rejectHint: number;
            rejectHintTerm: number;
            snapshot?: (trireme.raft.SnapshotMeta.$Properties|null);
            context: number;
            static create(properties: trireme.raft.Message.$Shape): trireme.raft.Message & trireme.raft.Message.$Shape;
            static create(properties?: trireme.raft.Message.$Properties): trireme.raft.Message;
            static encode(message: trireme.raft.Message.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.Message & trireme.raft.Message.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.Message;
            static toObject(message: trireme.raft.Message, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Message {
            interface $Properties {
                type?: (number|null);
                from?: (number|null);
                to?: (number|null);
                term?: (number|null);
                logTerm?: (number|null);
                index?: (number|null);
                entries?: (trireme.raft.Entry.$Properties[]|null);
                commit?: (number|null);
                reject?: (boolean|null);
                rejectHint?: (number|null);
                rejectHintTerm?: (number|null);
                snapshot?: (trireme.raft.SnapshotMeta.$Properties|null);
                context?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.Message.$Properties;
        }

        interface IEnvelope extends trireme.raft.Envelope.$Properties {
        }

        class Envelope {
            constructor(properties?: trireme.raft.Envelope.$Properties);
            $unknowns?: Uint8Array[];
            clusterId: number;
            senderId: number;
            messages: trireme.raft.Message.$Properties[];
            seq: number;
            proposals: trireme.raft.Proposal.$Properties[];
            answers: trireme.raft.ProposalAnswer.$Properties[];
            leaseQueries: trireme.raft.LeaseQuery.$Properties[];
            leaseAnswers: trireme.raft.LeaseAnswer.$Properties[];
            cumulativeAcks: boolean;
            noAck: boolean;
            takesCarriedAcks: boolean;
            carriedAck: number;
            static create(properties: trireme.raft.Envelope.$Shape): trireme.raft.Envelope & trireme.raft.Envelope.$Shape;
            static create(properties?: trireme.raft.Envelope.$Properties): trireme.raft.Envelope;
            static encode(message: trireme.raft.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.Envelope & trireme.raft.Envelope.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.Envelope;
            static toObject(message: trireme.raft.Envelope, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Envelope {
            interface $Properties {
                clusterId?: (number|null);
                senderId?: (number|null);
                messages?: (trireme.raft.Message.$Properties[]|null);
                seq?: (number|null);
                proposals?: (trireme.raft.Proposal.$Properties[]|null);
                answers?: (trireme.raft.ProposalAnswer.$Properties[]|null);
                leaseQueries?: (trireme.raft.LeaseQuery.$Properties[]|null);
                leaseAnswers?: (trireme.raft.LeaseAnswer.$Properties[]|null);
                cumulativeAcks?: (boolean|null);
                noAck?: (boolean|null);
                takesCarriedAcks?: (boolean|null);
                carriedAck?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.Envelope.$Properties;
        }

        interface IProposal extends trireme.raft.Proposal.$Properties {
        }

        class Proposal {
            constructor(properties?: trireme.raft.Proposal.$Properties);
            $unknowns?: Uint8Array[];
            id: number;
            requests: Uint8Array[];
            static create(properties: trireme.raft.Proposal.$Shape): trireme.raft.Proposal & trireme.raft.Proposal.$Shape;
            static create(properties?: trireme.raft.Proposal.$Properties): trireme.raft.Proposal;
            static encode(message: trireme.raft.Proposal.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.Proposal & trireme.raft.Proposal.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.Proposal;
            static toObject(message: trireme.raft.Proposal, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Proposal {
            interface $Properties {
                id?: (number|null);
                requests?: (Uint8Array[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.Proposal.$Properties;
        }

        interface IProposalAnswer extends trireme.raft.ProposalAnswer.$Properties {
        }

        class ProposalAnswer {
            constructor(properties?: trireme.raft.ProposalAnswer.$Properties);
            $unknowns?: Uint8Array[];
            id: number;
            firstIndex: number;
            term: number;
            errorCode: number;
            errorMessage: string;
            static create(properties: trireme.raft.ProposalAnswer.$Shape): trireme.raft.ProposalAnswer & trireme.raft.ProposalAnswer.$Shape;
            static create(properties?: trireme.raft.ProposalAnswer.$Properties): trireme.raft.ProposalAnswer;
            static encode(message: trireme.raft.ProposalAnswer.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.ProposalAnswer & trireme.raft.ProposalAnswer.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.ProposalAnswer;
            static toObject(message: trireme.raft.ProposalAnswer, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace ProposalAnswer {
            interface $Properties {
                id?: (number|null);
                firstIndex?: (number|null);
                term?: (number|null);
                errorCode?: (number|null);
                errorMessage?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.ProposalAnswer.$Properties;
        }

        interface ILeaseQuery extends trireme.raft.LeaseQuery.$Properties {
        }

        class LeaseQuery {
            constructor(properties?: trireme.raft.LeaseQuery.$Properties);
            $unknowns?: Uint8Array[];
            id: number;
            leaseId: number;
            renew: boolean;
            static create(properties: trireme.raft.LeaseQuery.$Shape): trireme.raft.LeaseQuery & trireme.raft.LeaseQuery.$Shape;
            static create(properties?: trireme.raft.LeaseQuery.$Properties): trireme.raft.LeaseQuery;
            static encode(message: trireme.raft.LeaseQuery.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.LeaseQuery & trireme.raft.LeaseQuery.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.LeaseQuery;
            static toObject(message: trireme.raft.LeaseQuery, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace LeaseQuery {
            interface $Properties {
                id?: (number|null);
                leaseId?: (number|null);
                renew?: (boolean|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.LeaseQuery.$Properties;
        }

        interface ILeaseAnswer extends trireme.raft.LeaseAnswer.$Properties {
        }

        class LeaseAnswer {
            constructor(properties?: trireme.raft.LeaseAnswer.$Properties);
            $unknowns?: Uint8Array[];
            id: number;
            ttl: number;
            errorCode: number;
            errorMessage: string;
            static create(properties: trireme.raft.LeaseAnswer.$Shape): trireme.raft.LeaseAnswer & trireme.raft.LeaseAnswer.$Shape;
            static create(properties?: trireme.raft.LeaseAnswer.$Properties): trireme.raft.LeaseAnswer;
            static encode(message: trireme.raft.LeaseAnswer.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.LeaseAnswer & trireme.raft.LeaseAnswer.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.LeaseAnswer;
            static toObject(message: trireme.raft.LeaseAnswer, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace LeaseAnswer {
            interface $Properties {
                id?: (number|null);
                ttl?: (number|null);
                errorCode?: (number|null);
                errorMessage?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.LeaseAnswer.$Properties;
        }

        interface IAck extends trireme.raft.Ack.$Properties {
        }

        class Ack {
            constructor(properties?: trireme.raft.Ack.$Properties);
            $unknowns?: Uint8Array[];
            seq: number;
            error: string;
            static create(properties: trireme.raft.Ack.$Shape): trireme.raft.Ack & trireme.raft.Ack.$Shape;
            static create(properties?: trireme.raft.Ack.$Properties): trireme.raft.Ack;
            static encode(message: trireme.raft.Ack.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.Ack & trireme.raft.Ack.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.Ack;
            static toObject(message: trireme.raft.Ack, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Ack {
            interface $Properties {
                seq?: (number|null);
                error?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.Ack.$Properties;
        }

        interface ISnapshotChunk extends trireme.raft.SnapshotChunk.$Properties {
        }

        class SnapshotChunk {
            constructor(properties?: trireme.raft.SnapshotChunk.$Properties);
            $unknowns?: Uint8Array[];
            clusterId: number;
            senderId: number;
            message?: (trireme.raft.Message.$Properties|null);
            totalBytes: number;
            offset: number;
            data: Uint8Array;
            last: boolean;
            checksum: Uint8Array;
            static create(properties: trireme.raft.SnapshotChunk.$Shape): trireme.raft.SnapshotChunk & trireme.raft.SnapshotChunk.$Shape;
            static create(properties?: trireme.raft.SnapshotChunk.$Properties): trireme.raft.SnapshotChunk;
            static encode(message: trireme.raft.SnapshotChunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): trireme.raft.SnapshotChunk & trireme.raft.SnapshotChunk.$Shape;
            static fromObject(object: { [k: string]: any }): trireme.raft.SnapshotChunk;
            static toObject(message: trireme.raft.SnapshotChunk, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace SnapshotChunk {
            interface $Properties {
                clusterId?: (number|null);
                senderId?: (number|null);
                message?: (trireme.raft.Message.$Properties|null);
                totalBytes?: (number|null);
                offset?: (number|null);
                data?: (Uint8Array|null);
                last?: (boolean|null);
                checksum?: (Uint8Array|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = trireme.raft.SnapshotChunk.$Properties;
        }
    }
}
