import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace authpb {

    interface IUserAddOptions extends authpb.UserAddOptions.$Properties {
    }

    class UserAddOptions {
        constructor(properties?: authpb.UserAddOptions.$Properties);
        $unknowns?: Uint8Array[];
        noPassword: boolean;
        static create(properties: authpb.UserAddOptions.$Shape): authpb.UserAddOptions & authpb.UserAddOptions.$Shape;
        static create(properties?: authpb.UserAddOptions.$Properties): authpb.UserAddOptions;
        static encode(message: authpb.UserAddOptions.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.UserAddOptions & authpb.UserAddOptions.$Shape;
        static fromObject(object: { [k: string]: any }): authpb.UserAddOptions;
        static toObject(message: authpb.UserAddOptions, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace UserAddOptions {
        interface $Properties {
            noPassword?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = authpb.UserAddOptions.$Properties;
    }

    interface IUser extends authpb.User.$Properties {
    }

    class User {
        constructor(properties?: authpb.User.$Properties);
        $unknowns?: Uint8Array[];
        name: Uint8Array;
        password: Uint8Array;
        roles: string[];
        options?: (authpb.UserAddOptions.$Properties|null);
        static create(properties: authpb.User.$Shape): authpb.User & authpb.User.$Shape;
        static create(properties?: authpb.User.$Properties): authpb.User;
        static encode(message: authpb.User.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.User & authpb.User.$Shape;
        static fromObject(object: { [k: string]: any }): authpb.User;
        static toObject(message: authpb.User, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace User {
        interface $Properties {
            name?: (Uint8Array|null);
            password?: (Uint8Array|null);
            roles?: (string[]|null);
            options?: (authpb.UserAddOptions.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = authpb.User.$Properties;
    }

    interface IPermission extends authpb.Permission.$Properties {
    }

    class Permission {
        constructor(properties?: authpb.Permission.$Properties);
        $unknowns?: Uint8Array[];
        permType: authpb.Permission.Type;
        key: Uint8Array;
        rangeEnd: Uint8Array;
        static create(properties: authpb.Permission.$Shape): authpb.Permission & authpb.Permission.$Shape;
        static create(properties?: authpb.Permission.$Properties): authpb.Permission;
        static encode(message: authpb.Permission.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.Permission & authpb.Permission.$Shape;
        static fromObject(object: { [k: string]: any }): authpb.Permission;
        static toObject(message: authpb.Permission, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace Permission {
        interface $Properties {
            permType?: (authpb.Permission.Type|null);
            key?: (Uint8Array|null);
            rangeEnd?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = authpb.Permission.$Properties;

        enum Type {
            READ = 0,
            WRITE = 1,
            READWRITE = 2
        }
    }

    interface IRole extends authpb.Role.$Properties {
    }

    class Role {
        constructor(properties?: authpb.Role.$Properties);
        $unknowns?: Uint8Array[];
        name: Uint8Array;
        keyPermission: authpb.Permission.$Properties[];
        static create(properties: authpb.Role.$Shape): authpb.Role & authpb.Role.$Shape;
        static create(properties?: authpb.Role.$Properties): authpb.Role;
        static encode(message: authpb.Role.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.Role & authpb.Role.$Shape;
        static fromObject(object: { [k: string]: any }): authpb.Role;
        static toObject(message: authpb.Role, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace Role {
        interface $Properties {
            name?: (Uint8Array|null);
            keyPermission?: (authpb.Permission.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = authpb.Role.$Properties;
    }
}

export namespace triremekv {

    interface IInternalRequest extends triremekv.InternalRequest.$Properties {
    }

    class InternalRequest {
        constructor(properties?: triremekv.InternalRequest.$Properties);
        $unknowns?: Uint8Array[];
        id: number;
        put?: (etcdserverpb.PutRequest.$Properties|null);
        deleteRange?: (etcdserverpb.DeleteRangeRequest.$Properties|null);
        txn?: (etcdserverpb.TxnRequest.$Properties|null);
        compaction?: (etcdserverpb.CompactionRequest.$Properties|null);
        leaseGrant?: (etcdserverpb.LeaseGrantRequest.$Properties|null);
        leaseRevoke?: (etcdserverpb.LeaseRevokeRequest.$Properties|null);
        alarm?: (etcdserverpb.AlarmRequest.$Properties|null);
        authEnable?: (etcdserverpb.AuthEnableRequest.$Properties|null);
        authDisable?: (etcdserverpb.AuthDisableRequest.$Properties|null);
        authUserAdd?: (etcdserverpb.AuthUserAddRequest.$Properties|null);
        authUserDelete?: (etcdserverpb.AuthUserDeleteRequest.$Properties|null);
        authUserChangePassword?: (etcdserverpb.AuthUserChangePasswordRequest.$Properties|null);
        authUserGrantRole?: (etcdserverpb.AuthUserGrantRoleRequest.$Properties|null);
        authUserRevokeRole?: (etcdserverpb.AuthUserRevokeRoleRequest.$Properties|null);
        authRoleAdd?: (etcdserverpb.AuthRoleAddRequest.$Properties|null);
        authRoleDelete?: (etcdserverpb.AuthRoleDeleteRequest.$Properties|null);
        authRoleGrantPermission?: (etcdserverpb.AuthRoleGrantPermissionRequest.$Properties|null);
        authRoleRevokePermission?: (etcdserverpb.AuthRoleRevokePermissionRequest.$Properties|null);
        authUser: string;
        authRevision: number;
        authenticate?: (triremekv.InternalAuthenticateRequest.$Properties|null);
        authMemberSecret: Uint8Array;
        static create(properties: triremekv.InternalRequest.$Shape): triremekv.InternalRequest & triremekv.InternalRequest.$Shape;
        static create(properties?: triremekv.InternalRequest.$Properties): triremekv.InternalRequest;
        static encode(message: triremekv.InternalRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): triremekv.InternalRequest & triremekv.InternalRequest.$Shape;
        static fromObject(object: { [k: string]: any }): triremekv.InternalRequest;
        static toObject(message: triremekv.InternalRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace InternalRequest {
        interface $Properties {
            id?: (number|null);
            put?: (etcdserverpb.PutRequest.$Properties|null);
            deleteRange?: (etcdserverpb.DeleteRangeRequest.$Properties|null);
            txn?: (etcdserverpb.TxnRequest.$Properties|null);
            compaction?: (etcdserverpb.CompactionRequest.$Properties|null);
            leaseGrant?: (etcdserverpb.LeaseGrantRequest.$Properties|null);
            leaseRevoke?: (etcdserverpb.LeaseRevokeRequest.$Properties|null);
            alarm?: (etcdserverpb.AlarmRequest.$Properties|null);
            authEnable?: (etcdserverpb.AuthEnableRequest.$Properties|null);
            authDisable?: (etcdserverpb.AuthDisableRequest.$Properties|null);
            authUserAdd?: (etcdserverpb.AuthUserAddRequest.$Properties|null);
            authUserDelete?: (etcdserverpb.AuthUserDeleteRequest.$Properties|null);
            authUserChangePassword?: (etcdserverpb.AuthUserChangePasswordRequest.$Properties|null);
            authUserGrantRole?: (etcdserverpb.AuthUserGrantRoleRequest.$Properties|null);
            authUserRevokeRole?: (etcdserverpb.AuthUserRevokeRoleRequest.$Properties|null);
            authRoleAdd?: (etcdserverpb.AuthRoleAddRequest.$Properties|null);
            authRoleDelete?: (etcdserverpb.AuthRoleDeleteRequest.$Properties|null);
            authRoleGrantPermission?: (etcdserverpb.AuthRoleGrantPermissionRequest.$Properties|null);
            authRoleRevokePermission?: (etcdserverpb.AuthRoleRevokePermissionRequest.$Properties|null);
            authUser?: (string|null);
            authRevision?: (number|null);
            authenticate?: (triremekv.InternalAuthenticateRequest.$Properties|null);
            authMemberSecret?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          id?: number|null;
          put?: etcdserverpb.PutRequest.$Shape|null;
          deleteRange?: etcdserverpb.DeleteRangeRequest.$Shape|null;
          txn?: etcdserverpb.TxnRequest.$Shape|null;
          compaction?: etcdserverpb.CompactionRequest.$Shape|null;
          leaseGrant?: etcdserverpb.LeaseGrantRequest.$Shape|null;
          leaseRevoke?: etcdserverpb.LeaseRevokeRequest.$Shape|null;
          alarm?: etcdserverpb.AlarmRequest.$Shape|null;
          authEnable?: etcdserverpb.AuthEnableRequest.$Shape|null;
          authDisable?: etcdserverpb.AuthDisableRequest.$Shape|null;
          authUserAdd?: etcdserverpb.AuthUserAddRequest.$Shape|null;
          authUserDelete?: etcdserverpb.AuthUserDeleteRequest.$Shape|null;
          authUserChangePassword?: etcdserverpb.AuthUserChangePasswordRequest.$Shape|null;
          authUserGrantRole?: etcdserverpb.AuthUserGrantRoleRequest.$Shape|null;
          authUserRevokeRole?: etcdserverpb.AuthUserRevokeRoleRequest.$Shape|null;
          authRoleAdd?: etcdserverpb.AuthRoleAddRequest.$Shape|null;
          authRoleDelete?: etcdserverpb.AuthRoleDeleteRequest.$Shape|null;
          authRoleGrantPermission?: etcdserverpb.AuthRoleGrantPermissionRequest.$Shape|null;
          authRoleRevokePermission?: etcdserverpb.AuthRoleRevokePermissionRequest.$Shape|null;
          authUser?: string|null;
          authRevision?: number|null;
          authenticate?: triremekv.InternalAuthenticateRequest.$Shape|null;
          authMemberSecret?: Uint8Array|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IInternalAuthenticateRequest extends triremekv.InternalAuthenticateRequest.$Properties {
    }

    class InternalAuthenticateRequest {
        constructor(properties?: triremekv.InternalAuthenticateRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        simpleToken: string;
        static create(properties: triremekv.InternalAuthenticateRequest.$Shape): triremekv.InternalAuthenticateRequest & triremekv.InternalAuthenticateRequest.$Shape;
        static create(properties?: triremekv.InternalAuthenticateRequest.$Properties): triremekv.InternalAuthenticateRequest;
        static encode(message: triremekv.InternalAuthenticateRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): triremekv.InternalAuthenticateRequest & triremekv.InternalAuthenticateRequest.$Shape;
        static fromObject(object: { [k: string]: any }): triremekv.InternalAuthenticateRequest;
        static toObject(message: triremekv.InternalAuthenticateRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace InternalAuthenticateRequest {
        interface $Properties {
            name?: (string|null);
            simpleToken?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = triremekv.InternalAuthenticateRequest.$Properties;
    }
}

export namespace etcdserverpb {

    interface IResponseHeader extends etcdserverpb.ResponseHeader.$Properties {
    }

    class ResponseHeader {
        constructor(properties?: etcdserverpb.ResponseHeader.$Properties);
        $unknowns?: Uint8Array[];
        clusterId: number;
        memberId: number;
        revision: number;
        raftTerm: number;
        static create(properties: etcdserverpb.ResponseHeader.$Shape): etcdserverpb.ResponseHeader & etcdserverpb.ResponseHeader.$Shape;
        static create(properties?: etcdserverpb.ResponseHeader.$Properties): etcdserverpb.ResponseHeader;
        static encode(message: etcdserverpb.ResponseHeader.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.ResponseHeader & etcdserverpb.ResponseHeader.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.ResponseHeader;
        static toObject(message: etcdserverpb.ResponseHeader, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace ResponseHeader {
        interface $Properties {
            clusterId?: (number|null);
            memberId?: (number|null);
            revision?: (number|null);
            raftTerm?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.ResponseHeader.$Properties;
    }

    interface IRangeRequest extends etcdserverpb.RangeRequest.$Properties {
    }

    class RangeRequest {
        constructor(properties?: etcdserverpb.RangeRequest.$Properties);
        $unknowns?: Uint8Array[];
        key: Uint8Array;
        rangeEnd: Uint8Array;
        limit: number;
        revision: number;
        sortOrder: etcdserverpb.RangeRequest.SortOrder;
        sortTarget: etcdserverpb.RangeRequest.SortTarget;
        serializable: boolean;
        keysOnly: boolean;
        countOnly: boolean;
        minModRevision: number;
        maxModRevision: number;
        minCreateRevision: number;
        maxCreateRevision: number;
        static create(properties: etcdserverpb.RangeRequest.$Shape): etcdserverpb.RangeRequest & etcdserverpb.RangeRequest.$Shape;
        static create(properties?: etcdserverpb.RangeRequest.$Properties): etcdserverpb.RangeRequest;
        static encode(message: etcdserverpb.RangeRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.RangeRequest & etcdserverpb.RangeRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.RangeRequest;
        static toObject(message: etcdserverpb.RangeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace RangeRequest {
        interface $Properties {
            key?: (Uint8Array|null);
            rangeEnd?: (Uint8Array|null);
            limit?: (number|null);
            revision?: (number|null);
            sortOrder?: (etcdserverpb.RangeRequest.SortOrder|null);
            sortTarget?: (etcdserverpb.RangeRequest.SortTarget|null);
            serializable?: (boolean|null);
            keysOnly?: (boolean|null);
            countOnly?: (boolean|null);
            minModRevision?: (number|null);
            maxModRevision?: (number|null);
            minCreateRevision?: (number|null);
            maxCreateRevision?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.RangeRequest.$Properties;

        enum SortOrder {
            NONE = 0,
            ASCEND = 1,
            DESCEND = 2
        }

        enum SortTarget {
            KEY = 0,
            VERSION = 1,
            CREATE = 2,
            MOD = 3,
            VALUE = 4
        }
    }

    interface IRangeResponse extends etcdserverpb.RangeResponse.$Properties {
    }

    class RangeResponse {
        constructor(properties?: etcdserverpb.RangeResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        kvs: mvccpb.KeyValue.$Properties[];
        more: boolean;
        count: number;
        static create(properties: etcdserverpb.RangeResponse.$Shape): etcdserverpb.RangeResponse & etcdserverpb.RangeResponse.$Shape;
        static create(properties?: etcdserverpb.RangeResponse.$Properties): etcdserverpb.RangeResponse;
        static encode(message: etcdserverpb.RangeResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.RangeResponse & etcdserverpb.RangeResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.RangeResponse;
        static toObject(message: etcdserverpb.RangeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace RangeResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            kvs?: (mvccpb.KeyValue.$Properties[]|null);
            more?: (boolean|null);
            count?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.RangeResponse.$Properties;
    }

    interface IPutRequest extends etcdserverpb.PutRequest.$Properties {
    }

    class PutRequest {
        constructor(properties?: etcdserverpb.PutRequest.$Properties);
        $unknowns?: Uint8Array[];
        key: Uint8Array;
        value: Uint8Array;
        lease: number;
        prevKv: boolean;
        ignoreValue: boolean;
        ignoreLease: boolean;
        static create(properties: etcdserverpb.PutRequest.$Shape): etcdserverpb.PutRequest & etcdserverpb.PutRequest.$Shape;
        static create(properties?: etcdserverpb.PutRequest.$Properties): etcdserverpb.PutRequest;
        static encode(message: etcdserverpb.PutRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.PutRequest & etcdserverpb.PutRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.PutRequest;
        static toObject(message: etcdserverpb.PutRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace PutRequest {
        interface $Properties {
            key?: (Uint8Array|null);
            value?: (Uint8Array|null);
            lease?: (number|null);
            prevKv?: (boolean|null);
            ignoreValue?: (boolean|null);
            ignoreLease?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.PutRequest.$Properties;
    }

    interface IPutResponse extends etcdserverpb.PutResponse.$Properties {
    }

    class PutResponse {
        constructor(properties?: etcdserverpb.PutResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        prevKv?: (mvccpb.KeyValue.$Properties|null);
        static create(properties: etcdserverpb.PutResponse.$Shape): etcdserverpb.PutResponse & etcdserverpb.PutResponse.$Shape;
        static create(properties?: etcdserverpb.PutResponse.$Properties): etcdserverpb.PutResponse;
        static encode(message: etcdserverpb.PutResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.PutResponse & etcdserverpb.PutResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.PutResponse;
        static toObject(message: etcdserverpb.PutResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace PutResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            prevKv?: (mvccpb.KeyValue.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.PutResponse.$Properties;
    }

    interface IDeleteRangeRequest extends etcdserverpb.DeleteRangeRequest.$Properties {
    }

    class DeleteRangeRequest {
        constructor(properties?: etcdserverpb.DeleteRangeRequest.$Properties);
        $unknowns?: Uint8Array[];
        key: Uint8Array;
        rangeEnd: Uint8Array;
        prevKv: boolean;
        static create(properties: etcdserverpb.DeleteRangeRequest.$Shape): etcdserverpb.DeleteRangeRequest & etcdserverpb.DeleteRangeRequest.$Shape;
        static create(properties?: etcdserverpb.DeleteRangeRequest.$Properties): etcdserverpb.DeleteRangeRequest;
        static encode(message: etcdserverpb.DeleteRangeRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DeleteRangeRequest & etcdserverpb.DeleteRangeRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.DeleteRangeRequest;
        static toObject(message: etcdserverpb.DeleteRangeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace DeleteRangeRequest {
        interface $Properties {
            key?: (Uint8Array|null);
            rangeEnd?: (Uint8Array|null);
            prevKv?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.DeleteRangeRequest.$Properties;
    }

    interface IDeleteRangeResponse extends etcdserverpb.DeleteRangeResponse.$Properties {
    }

    class DeleteRangeResponse {
        constructor(properties?: etcdserverpb.DeleteRangeResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        deleted: number;
        prevKvs: mvccpb.KeyValue.$Properties[];
        static create(properties: etcdserverpb.DeleteRangeResponse.$Shape): etcdserverpb.DeleteRangeResponse & etcdserverpb.DeleteRangeResponse.$Shape;
        static create(properties?: etcdserverpb.DeleteRangeResponse.$Properties): etcdserverpb.DeleteRangeResponse;
        static encode(message: etcdserverpb.DeleteRangeResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DeleteRangeResponse & etcdserverpb.DeleteRangeResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.DeleteRangeResponse;
        static toObject(message: etcdserverpb.DeleteRangeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace DeleteRangeResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            deleted?: (number|null);
            prevKvs?: (mvccpb.KeyValue.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.DeleteRangeResponse.$Properties;
    }

    interface IRequestOp extends etcdserverpb.RequestOp.$Properties {
    }

    class RequestOp {
        constructor(properties?: etcdserverpb.RequestOp.$Properties);
        $unknowns?: Uint8Array[];
        requestRange?: (etcdserverpb.RangeRequest.$Properties|null);
        requestPut?: (etcdserverpb.PutRequest.$Properties|null);
        requestDeleteRange?: (etcdserverpb.DeleteRangeRequest.$Properties|null);
        requestTxn?: (etcdserverpb.TxnRequest.$Properties|null);
        request?: ("requestRange"|"requestPut"|"requestDeleteRange"|"requestTxn");
        static create(properties: etcdserverpb.RequestOp.$Shape): etcdserverpb.RequestOp & etcdserverpb.RequestOp.$Shape;
        static create(properties?: etcdserverpb.RequestOp.$Properties): etcdserverpb.RequestOp;
        static encode(message: etcdserverpb.RequestOp.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.RequestOp & etcdserverpb.RequestOp.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.RequestOp;
        static toObject(message: etcdserverpb.RequestOp, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace RequestOp {
        interface $Properties {
            requestRange?: (etcdserverpb.RangeRequest.$Properties|null);
            requestPut?: (etcdserverpb.PutRequest.$Properties|null);
            requestDeleteRange?: (etcdserverpb.DeleteRangeRequest.$Properties|null);
            requestTxn?: (etcdserverpb.TxnRequest.$Properties|null);
            request?: ("requestRange"|"requestPut"|"requestDeleteRange"|"requestTxn");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          requestRange?: etcdserverpb.RangeRequest.$Shape|null;
          requestPut?: etcdserverpb.PutRequest.$Shape|null;
          requestDeleteRange?: etcdserverpb.DeleteRangeRequest.$Shape|null;
          requestTxn?: etcdserverpb.TxnRequest.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ request?: undefined; requestRange?: null; requestPut?: null; requestDeleteRange?: null; requestTxn?: null }|{ request?: "requestRange"; requestRange: etcdserverpb.RangeRequest.$Shape; requestPut?: null; requestDeleteRange?: null; requestTxn?: null }|{ request?: "requestPut"; requestRange?: null; requestPut: etcdserverpb.PutRequest.$Shape; requestDeleteRange?: null; requestTxn?: null }|{ request?: "requestDeleteRange"; requestRange?: null; requestPut?: null; requestDeleteRange: etcdserverpb.DeleteRangeRequest.$Shape; requestTxn?: null }|{ request?: "requestTxn"; requestRange?: null; requestPut?: null; requestDeleteRange?: null; requestTxn: etcdserverpb.TxnRequest.$Shape })
        );
    }

    interface IResponseOp extends etcdserverpb.ResponseOp.$Properties {
    }

    class ResponseOp {
        constructor(properties?: etcdserverpb.ResponseOp.$Properties);
        $unknowns?: Uint8Array[];
        responseRange?: (etcdserverpb.RangeResponse.$Properties|null);
        responsePut?: (etcdserverpb.PutResponse.$Properties|null);
        responseDeleteRange?: (etcdserverpb.DeleteRangeResponse.$Properties|null);
        responseTxn?: (etcdserverpb.TxnResponse.$Properties|null);
        response?: ("responseRange"|"responsePut"|"responseDeleteRange"|"responseTxn");
        static create(properties: etcdserverpb.ResponseOp.$Shape): etcdserverpb.ResponseOp & etcdserverpb.ResponseOp.$Shape;
        static create(properties?: etcdserverpb.ResponseOp.$Properties): etcdserverpb.ResponseOp;
        static encode(message: etcdserverpb.ResponseOp.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.ResponseOp & etcdserverpb.ResponseOp.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.ResponseOp;
        static toObject(message: etcdserverpb.ResponseOp, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace ResponseOp {
        interface $Properties {
            responseRange?: (etcdserverpb.RangeResponse.$Properties|null);
            responsePut?: (etcdserverpb.PutResponse.$Properties|null);
            responseDeleteRange?: (etcdserverpb.DeleteRangeResponse.$Properties|null);
            responseTxn?: (etcdserverpb.TxnResponse.$Properties|null);
            response?: ("responseRange"|"responsePut"|"responseDeleteRange"|"responseTxn");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          responseRange?: etcdserverpb.RangeResponse.$Shape|null;
          responsePut?: etcdserverpb.PutResponse.$Shape|null;
          responseDeleteRange?: etcdserverpb.DeleteRangeResponse.$Shape|null;
          responseTxn?: etcdserverpb.TxnResponse.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ response?: undefined; responseRange?: null; responsePut?: null; responseDeleteRange?: null; responseTxn?: null }|{ response?: "responseRange"; responseRange: etcdserverpb.RangeResponse.$Shape; responsePut?: null; responseDeleteRange?: null; responseTxn?: null }|{ response?: "responsePut"; responseRange?: null; responsePut: etcdserverpb.PutResponse.$Shape; responseDeleteRange?: null; responseTxn?: null }|{ response?: "responseDeleteRange"; responseRange?: null; responsePut?: null; responseDeleteRange: etcdserverpb.DeleteRangeResponse.$Shape; responseTxn?: null }|{ response?: "responseTxn"; responseRange?: null; responsePut?: null; responseDeleteRange?: null; responseTxn: etcdserverpb.TxnResponse.$Shape })
        );
    }

    interface ICompare extends etcdserverpb.Compare.$Properties {
    }

    class Compare {
        constructor(properties?: etcdserverpb.Compare.$Properties);
        $unknowns?: Uint8Array[];
        result: etcdserverpb.Compare.CompareResult;
        target: etcdserverpb.Compare.CompareTarget;
        key: Uint8Array;
        version?: (number|null);
        createRevision?: (number|null);
        modRevision?: (number|null);
        value?: (Uint8Array|null);
        lease?: (number|null);
        rangeEnd: Uint8Array;
        targetUnion?: ("version"|"createRevision"|"modRevision"|"value"|"lease");
        static create(properties: etcdserverpb.Compare.$Shape): etcdserverpb.Compare & etcdserverpb.Compare.$Shape;
        static create(properties?: etcdserverpb.Compare.$Properties): etcdserverpb.Compare;
        static encode(message: etcdserverpb.Compare.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.Compare & etcdserverpb.Compare.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.Compare;
        static toObject(message: etcdserverpb.Compare, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace Compare {
        interface $Properties {
            result?: (etcdserverpb.Compare.CompareResult|null);
            target?: (etcdserverpb.Compare.CompareTarget|null);
            key?: (Uint8Array|null);
            version?: (number|null);
            createRevision?: (number|null);
            modRevision?: (number|null);
            value?: (Uint8Array|null);
            lease?: (number|null);
            rangeEnd?: (Uint8Array|null);
            targetUnion?: ("version"|"createRevision"|"modRevision"|"value"|"lease");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          result?: etcdserverpb.Compare.CompareResult|null;
          target?: etcdserverpb.Compare.CompareTarget|null;
          key?: Uint8Array|null;
          version?: number|null;
          createRevision?: number|null;
          modRevision?: number|null;
          value?: Uint8Array|null;
          lease?: number|null;
          rangeEnd?: Uint8Array|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ targetUnion?: undefined; version?: null; createRevision?: null; modRevision?: null; value?: null; lease?: null }|{ targetUnion?: "version"; version: number; createRevision?: null; modRevision?: null; value?: null; lease?: null }|{ targetUnion?: "createRevision"; version?: null; createRevision: number; modRevision?: null; value?: null; lease?: null }|{ targetUnion?: "modRevision"; version?: null; createRevision?: null; modRevision: number; value?: null; lease?: null }|{ targetUnion?: "value"; version?: null; createRevision?: null; modRevision?: null; value: Uint8Array; lease?: null }|{ targetUnion?: "lease"; version?: null; createRevision?: null; modRevision?: null; value?: null; lease: number })
        );

        enum CompareResult {
            EQUAL = 0,
            GREATER = 1,
            LESS = 2,
            NOT_EQUAL = 3
        }

        enum CompareTarget {
            VERSION = 0,
            CREATE = 1,
            MOD = 2,
            VALUE = 3,
            LEASE = 4
        }
    }

    interface ITxnRequest extends etcdserverpb.TxnRequest.$Properties {
    }

    class TxnRequest {
        constructor(properties?: etcdserverpb.TxnRequest.$Properties);
        $unknowns?: Uint8Array[];
        compare: etcdserverpb.Compare.$Properties[];
        success: etcdserverpb.RequestOp.$Properties[];
        failure: etcdserverpb.RequestOp.$Properties[];
        static create(properties: etcdserverpb.TxnRequest.$Shape): etcdserverpb.TxnRequest & etcdserverpb.TxnRequest.$Shape;
        static create(properties?: etcdserverpb.TxnRequest.$Properties): etcdserverpb.TxnRequest;
        static encode(message: etcdserverpb.TxnRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.TxnRequest & etcdserverpb.TxnRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.TxnRequest;
        static toObject(message: etcdserverpb.TxnRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace TxnRequest {
        interface $Properties {
            compare?: (etcdserverpb.Compare.$Properties[]|null);
            success?: (etcdserverpb.RequestOp.$Properties[]|null);
            failure?: (etcdserverpb.RequestOp.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          compare?: etcdserverpb.Compare.$Shape[]|null;
          success?: etcdserverpb.RequestOp.$Shape[]|null;
          failure?: etcdserverpb.RequestOp.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface ITxnResponse extends etcdserverpb.TxnResponse.$Properties {
    }

    class TxnResponse {
        constructor(properties?: etcdserverpb.TxnResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        succeeded: boolean;
        responses: etcdserverpb.ResponseOp.$Properties[];
        static create(properties: etcdserverpb.TxnResponse.$Shape): etcdserverpb.TxnResponse & etcdserverpb.TxnResponse.$Shape;
        static create(properties?: etcdserverpb.TxnResponse.$Properties): etcdserverpb.TxnResponse;
        static encode(message: etcdserverpb.TxnResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.TxnResponse & etcdserverpb.TxnResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.TxnResponse;
        static toObject(message: etcdserverpb.TxnResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace TxnResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            succeeded?: (boolean|null);
            responses?: (etcdserverpb.ResponseOp.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          header?: etcdserverpb.ResponseHeader.$Shape|null;
          succeeded?: boolean|null;
          responses?: etcdserverpb.ResponseOp.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface ICompactionRequest extends etcdserverpb.CompactionRequest.$Properties {
    }

    class CompactionRequest {
        constructor(properties?: etcdserverpb.CompactionRequest.$Properties);
        $unknowns?: Uint8Array[];
        revision: number;
        physical: boolean;
        static create(properties: etcdserverpb.CompactionRequest.$Shape): etcdserverpb.CompactionRequest & etcdserverpb.CompactionRequest.$Shape;
        static create(properties?: etcdserverpb.CompactionRequest.$Properties): etcdserverpb.CompactionRequest;
        static encode(message: etcdserverpb.CompactionRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.CompactionRequest & etcdserverpb.CompactionRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.CompactionRequest;
        static toObject(message: etcdserverpb.CompactionRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace CompactionRequest {
        interface $Properties {
            revision?: (number|null);
            physical?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.CompactionRequest.$Properties;
    }

    interface ICompactionResponse extends etcdserverpb.CompactionResponse.$Properties {
    }

    class CompactionResponse {
        constructor(properties?: etcdserverpb.CompactionResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.CompactionResponse.$Shape): etcdserverpb.CompactionResponse & etcdserverpb.CompactionResponse.$Shape;
        static create(properties?: etcdserverpb.CompactionResponse.$Properties): etcdserverpb.CompactionResponse;
        static encode(message: etcdserverpb.CompactionResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.CompactionResponse & etcdserverpb.CompactionResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.CompactionResponse;
        static toObject(message: etcdserverpb.CompactionResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace CompactionResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.CompactionResponse.$Properties;
    }

    interface IHashRequest extends etcdserverpb.HashRequest.$Properties {
    }

    class HashRequest {
        constructor(properties?: etcdserverpb.HashRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.HashRequest.$Shape): etcdserverpb.HashRequest & etcdserverpb.HashRequest.$Shape;
        static create(properties?: etcdserverpb.HashRequest.$Properties): etcdserverpb.HashRequest;
        static encode(message: etcdserverpb.HashRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashRequest & etcdserverpb.HashRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.HashRequest;
        static toObject(message: etcdserverpb.HashRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace HashRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.HashRequest.$Properties;
    }

    interface IHashResponse extends etcdserverpb.HashResponse.$Properties {
    }

    class HashResponse {
        constructor(properties?: etcdserverpb.HashResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        hash: number;
        static create(properties: etcdserverpb.HashResponse.$Shape): etcdserverpb.HashResponse & etcdserverpb.HashResponse.$Shape;
        static create(properties?: etcdserverpb.HashResponse.$Properties): etcdserverpb.HashResponse;
        static encode(message: etcdserverpb.HashResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashResponse & etcdserverpb.HashResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.HashResponse;
        static toObject(message: etcdserverpb.HashResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace HashResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            hash?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.HashResponse.$Properties;
    }

    interface IHashKVRequest extends etcdserverpb.HashKVRequest.$Properties {
    }

    class HashKVRequest {
        constructor(properties?: etcdserverpb.HashKVRequest.$Properties);
        $unknowns?: Uint8Array[];
        revision: number;
        static create(properties: etcdserverpb.HashKVRequest.$Shape): etcdserverpb.HashKVRequest & etcdserverpb.HashKVRequest.$Shape;
        static create(properties?: etcdserverpb.HashKVRequest.$Properties): etcdserverpb.HashKVRequest;
        static encode(message: etcdserverpb.HashKVRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashKVRequest & etcdserverpb.HashKVRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.HashKVRequest;
        static toObject(message: etcdserverpb.HashKVRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace HashKVRequest {
        interface $Properties {
            revision?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.HashKVRequest.$Properties;
    }

    interface IHashKVResponse extends etcdserverpb.HashKVResponse.$Properties {
    }

    class HashKVResponse {
        constructor(properties?: etcdserverpb.HashKVResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        hash: number;
        compactRevision: number;
        static create(properties: etcdserverpb.HashKVResponse.$Shape): etcdserverpb.HashKVResponse & etcdserverpb.HashKVResponse.$Shape;
        static create(properties?: etcdserverpb.HashKVResponse.$Properties): etcdserverpb.HashKVResponse;
        static encode(message: etcdserverpb.HashKVResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashKVResponse & etcdserverpb.HashKVResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.HashKVResponse;
        static toObject(message: etcdserverpb.HashKVResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace HashKVResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            hash?: (number|null);
            compactRevision?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.HashKVResponse.$Properties;
    }

    interface IWatchRequest extends etcdserverpb.WatchRequest.$Properties {
    }

    class WatchRequest {
        constructor(properties?: etcdserverpb.WatchRequest.$Properties);
        $unknowns?: Uint8Array[];
        createRequest?: (etcdserverpb.WatchCreateRequest.$Properties|null);
        cancelRequest?: (etcdserverpb.WatchCancelRequest.$Properties|null);
        progressRequest?: (etcdserverpb.WatchProgressRequest.$Properties|null);
        requestUnion?: ("createRequest"|"cancelRequest"|"progressRequest");
        static create(properties: etcdserverpb.WatchRequest.$Shape): etcdserverpb.WatchRequest & etcdserverpb.WatchRequest.$Shape;
        static create(properties?: etcdserverpb.WatchRequest.$Properties): etcdserverpb.WatchRequest;
        static encode(message: etcdserverpb.WatchRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchRequest & etcdserverpb.WatchRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.WatchRequest;
        static toObject(message: etcdserverpb.WatchRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace WatchRequest {
        interface $Properties {
            createRequest?: (etcdserverpb.WatchCreateRequest.$Properties|null);
            cancelRequest?: (etcdserverpb.WatchCancelRequest.$Properties|null);
            progressRequest?: (etcdserverpb.WatchProgressRequest.$Properties|null);
            requestUnion?: ("createRequest"|"cancelRequest"|"progressRequest");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          createRequest?: etcdserverpb.WatchCreateRequest.$Shape|null;
          cancelRequest?: etcdserverpb.WatchCancelRequest.$Shape|null;
          progressRequest?: etcdserverpb.WatchProgressRequest.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ requestUnion?: undefined; createRequest?: null; cancelRequest?: null; progressRequest?: null }|{ requestUnion?: "createRequest"; createRequest: etcdserverpb.WatchCreateRequest.$Shape; cancelRequest?: null; progressRequest?: null }|{ requestUnion?: "cancelRequest"; createRequest?: null; cancelRequest: etcdserverpb.WatchCancelRequest.$Shape; progressRequest?: null }|{ requestUnion?: "progressRequest"; createRequest?: null; cancelRequest?: null; progressRequest: etcdserverpb.WatchProgressRequest.$Shape })
        );
    }

    interface IWatchCreateRequest extends etcdserverpb.WatchCreateRequest.$Properties {
    }

    class WatchCreateRequest {
        constructor(properties?: etcdserverpb.WatchCreateRequest.$Properties);
        $unknowns?: Uint8Array[];
        key: Uint8Array;
        rangeEnd: Uint8Array;
        startRevision: number;
        progressNotify: boolean;
        filters: etcdserverpb.WatchCreateRequest.FilterType[];
        prevKv: boolean;
        watchId: number;
        fragment: boolean;
        static create(properties: etcdserverpb.WatchCreateRequest.$Shape): etcdserverpb.WatchCreateRequest & etcdserverpb.WatchCreateRequest.$Shape;
        static create(properties?: etcdserverpb.WatchCreateRequest.$Properties): etcdserverpb.WatchCreateRequest;
        static encode(message: etcdserverpb.WatchCreateRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchCreateRequest & etcdserverpb.WatchCreateRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.WatchCreateRequest;
        static toObject(message: etcdserverpb.WatchCreateRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace WatchCreateRequest {
        interface $Properties {
            key?: (Uint8Array|null);
            rangeEnd?: (Uint8Array|null);
            startRevision?: (number|null);
            progressNotify?: (boolean|null);
            filters?: (etcdserverpb.WatchCreateRequest.FilterType[]|null);
            prevKv?: (boolean|null);
            watchId?: (number|null);
            fragment?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.WatchCreateRequest.$Properties;

        enum FilterType {
            NOPUT = 0,
            NODELETE = 1
        }
    }

    interface IWatchCancelRequest extends etcdserverpb.WatchCancelRequest.$Properties {
    }

    class WatchCancelRequest {
        constructor(properties?: etcdserverpb.WatchCancelRequest.$Properties);
        $unknowns?: Uint8Array[];
        watchId: number;
        static create(properties: etcdserverpb.WatchCancelRequest.$Shape): etcdserverpb.WatchCancelRequest & etcdserverpb.WatchCancelRequest.$Shape;
        static create(properties?: etcdserverpb.WatchCancelRequest.$Properties): etcdserverpb.WatchCancelRequest;
        static encode(message: etcdserverpb.WatchCancelRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchCancelRequest & etcdserverpb.WatchCancelRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.WatchCancelRequest;
        static toObject(message: etcdserverpb.WatchCancelRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace WatchCancelRequest {
        interface $Properties {
            watchId?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.WatchCancelRequest.$Properties;
    }

    interface IWatchProgressRequest extends etcdserverpb.WatchProgressRequest.$Properties {
    }

    class WatchProgressRequest {
        constructor(properties?: etcdserverpb.WatchProgressRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.WatchProgressRequest.$Shape): etcdserverpb.WatchProgressRequest & etcdserverpb.WatchProgressRequest.$Shape;
        static create(properties?: etcdserverpb.WatchProgressRequest.$Properties): etcdserverpb.WatchProgressRequest;
        static encode(message: etcdserverpb.WatchProgressRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchProgressRequest & etcdserverpb.WatchProgressRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.WatchProgressRequest;
        static toObject(message: etcdserverpb.WatchProgressRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace WatchProgressRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.WatchProgressRequest.$Properties;
    }

    interface IWatchResponse extends etcdserverpb.WatchResponse.$Properties {
    }

    class WatchResponse {
        constructor(properties?: etcdserverpb.WatchResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        watchId: number;
        created: boolean;
        canceled: boolean;
        compactRevision: number;
        cancelReason: string;
        fragment: boolean;
        events: mvccpb.Event.$Properties[];
        static create(properties: etcdserverpb.WatchResponse.$Shape): etcdserverpb.WatchResponse & etcdserverpb.WatchResponse.$Shape;
        static create(properties?: etcdserverpb.WatchResponse.$Properties): etcdserverpb.WatchResponse;
        static encode(message: etcdserverpb.WatchResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchResponse & etcdserverpb.WatchResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.WatchResponse;
        static toObject(message: etcdserverpb.WatchResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace WatchResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            watchId?: (number|null);
            created?: (boolean|null);
            canceled?: (boolean|null);
            compactRevision?: (number|null);
            cancelReason?: (string|null);
            fragment?: (boolean|null);
            events?: (mvccpb.Event.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.WatchResponse.$Properties;
    }

    interface ILeaseGrantRequest extends etcdserverpb.LeaseGrantRequest.$Properties {
    }

    class LeaseGrantRequest {
        constructor(properties?: etcdserverpb.LeaseGrantRequest.$Properties);
        $unknowns?: Uint8Array[];
        TTL: number;
        ID: number;
        static create(properties: etcdserverpb.LeaseGrantRequest.$Shape): etcdserverpb.LeaseGrantRequest & etcdserverpb.LeaseGrantRequest.$Shape;
        static create(properties?: etcdserverpb.LeaseGrantRequest.$Properties): etcdserverpb.LeaseGrantRequest;
        static encode(message: etcdserverpb.LeaseGrantRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseGrantRequest & etcdserverpb.LeaseGrantRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseGrantRequest;
        static toObject(message: etcdserverpb.LeaseGrantRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseGrantRequest {
        interface $Properties {
            TTL?: (number|null);
            ID?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseGrantRequest.$Properties;
    }

    interface ILeaseGrantResponse extends etcdserverpb.LeaseGrantResponse.$Properties {
    }

    class LeaseGrantResponse {
        constructor(properties?: etcdserverpb.LeaseGrantResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        ID: number;
        TTL: number;
        error: string;
        static create(properties: etcdserverpb.LeaseGrantResponse.$Shape): etcdserverpb.LeaseGrantResponse & etcdserverpb.LeaseGrantResponse.$Shape;
        static create(properties?: etcdserverpb.LeaseGrantResponse.$Properties): etcdserverpb.LeaseGrantResponse;
        static encode(message: etcdserverpb.LeaseGrantResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseGrantResponse & etcdserverpb.LeaseGrantResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseGrantResponse;
        static toObject(message: etcdserverpb.LeaseGrantResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseGrantResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            ID?: (number|null);
            TTL?: (number|null);
            error?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseGrantResponse.$Properties;
    }

    interface ILeaseRevokeRequest extends etcdserverpb.LeaseRevokeRequest.$Properties {
    }

    class LeaseRevokeRequest {
        constructor(properties?: etcdserverpb.LeaseRevokeRequest.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        static create(properties: etcdserverpb.LeaseRevokeRequest.$Shape): etcdserverpb.LeaseRevokeRequest & etcdserverpb.LeaseRevokeRequest.$Shape;
        static create(properties?: etcdserverpb.LeaseRevokeRequest.$Properties): etcdserverpb.LeaseRevokeRequest;
        static encode(message: etcdserverpb.LeaseRevokeRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseRevokeRequest & etcdserverpb.LeaseRevokeRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseRevokeRequest;
        static toObject(message: etcdserverpb.LeaseRevokeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseRevokeRequest {
        interface $Properties {
            ID?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseRevokeRequest.$Properties;
    }

    interface ILeaseRevokeResponse extends etcdserverpb.LeaseRevokeResponse.$Properties {
    }

    class LeaseRevokeResponse {
        constructor(properties?: etcdserverpb.LeaseRevokeResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.LeaseRevokeResponse.$Shape): etcdserverpb.LeaseRevokeResponse & etcdserverpb.LeaseRevokeResponse.$Shape;
        static create(properties?: etcdserverpb.LeaseRevokeResponse.$Properties): etcdserverpb.LeaseRevokeResponse;
        static encode(message: etcdserverpb.LeaseRevokeResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseRevokeResponse & etcdserverpb.LeaseRevokeResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseRevokeResponse;
        static toObject(message: etcdserverpb.LeaseRevokeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseRevokeResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseRevokeResponse.$Properties;
    }

    interface ILeaseKeepAliveRequest extends etcdserverpb.LeaseKeepAliveRequest.$Properties {
    }

    class LeaseKeepAliveRequest {
        constructor(properties?: etcdserverpb.LeaseKeepAliveRequest.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        static create(properties: etcdserverpb.LeaseKeepAliveRequest.$Shape): etcdserverpb.LeaseKeepAliveRequest & etcdserverpb.LeaseKeepAliveRequest.$Shape;
        static create(properties?: etcdserverpb.LeaseKeepAliveRequest.$Properties): etcdserverpb.LeaseKeepAliveRequest;
        static encode(message: etcdserverpb.LeaseKeepAliveRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseKeepAliveRequest & etcdserverpb.LeaseKeepAliveRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseKeepAliveRequest;
        static toObject(message: etcdserverpb.LeaseKeepAliveRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseKeepAliveRequest {
        interface $Properties {
            ID?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseKeepAliveRequest.$Properties;
    }

    interface ILeaseKeepAliveResponse extends etcdserverpb.LeaseKeepAliveResponse.$Properties {
    }

    class LeaseKeepAliveResponse {
        constructor(properties?: etcdserverpb.LeaseKeepAliveResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        ID: number;
        TTL: number;
        static create(properties: etcdserverpb.LeaseKeepAliveResponse.$Shape): etcdserverpb.LeaseKeepAliveResponse & etcdserverpb.LeaseKeepAliveResponse.$Shape;
        static create(properties?: etcdserverpb.LeaseKeepAliveResponse.$Properties): etcdserverpb.LeaseKeepAliveResponse;
        static encode(message: etcdserverpb.LeaseKeepAliveResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseKeepAliveResponse & etcdserverpb.LeaseKeepAliveResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseKeepAliveResponse;
        static toObject(message: etcdserverpb.LeaseKeepAliveResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseKeepAliveResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            ID?: (number|null);
            TTL?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseKeepAliveResponse.$Properties;
    }

    interface ILeaseTimeToLiveRequest extends etcdserverpb.LeaseTimeToLiveRequest.$Properties {
    }

    class LeaseTimeToLiveRequest {
        constructor(properties?: etcdserverpb.LeaseTimeToLiveRequest.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        keys: boolean;
        static create(properties: etcdserverpb.LeaseTimeToLiveRequest.$Shape): etcdserverpb.LeaseTimeToLiveRequest & etcdserverpb.LeaseTimeToLiveRequest.$Shape;
        static create(properties?: etcdserverpb.LeaseTimeToLiveRequest.$Properties): etcdserverpb.LeaseTimeToLiveRequest;
        static encode(message: etcdserverpb.LeaseTimeToLiveRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseTimeToLiveRequest & etcdserverpb.LeaseTimeToLiveRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseTimeToLiveRequest;
        static toObject(message: etcdserverpb.LeaseTimeToLiveRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseTimeToLiveRequest {
        interface $Properties {
            ID?: (number|null);
            keys?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseTimeToLiveRequest.$Properties;
    }

    interface ILeaseTimeToLiveResponse extends etcdserverpb.LeaseTimeToLiveResponse.$Properties {
    }

    class LeaseTimeToLiveResponse {
        constructor(properties?: etcdserverpb.LeaseTimeToLiveResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        ID: number;
        TTL: number;
        grantedTTL: number;
        keys: Uint8Array[];
        static create(properties: etcdserverpb.LeaseTimeToLiveResponse.$Shape): etcdserverpb.LeaseTimeToLiveResponse & etcdserverpb.LeaseTimeToLiveResponse.$Shape;
        static create(properties?: etcdserverpb.LeaseTimeToLiveResponse.$Properties): etcdserverpb.LeaseTimeToLiveResponse;
        static encode(message: etcdserverpb.LeaseTimeToLiveResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseTimeToLiveResponse & etcdserverpb.LeaseTimeToLiveResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseTimeToLiveResponse;
        static toObject(message: etcdserverpb.LeaseTimeToLiveResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseTimeToLiveResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            ID?: (number|null);
            TTL?: (number|null);
            grantedTTL?: (number|null);
            keys?: (Uint8Array[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseTimeToLiveResponse.$Properties;
    }

    interface ILeaseLeasesRequest extends etcdserverpb.LeaseLeasesRequest.$Properties {
    }

    class LeaseLeasesRequest {
        constructor(properties?: etcdserverpb.LeaseLeasesRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.LeaseLeasesRequest.$Shape): etcdserverpb.LeaseLeasesRequest & etcdserverpb.LeaseLeasesRequest.$Shape;
        static create(properties?: etcdserverpb.LeaseLeasesRequest.$Properties): etcdserverpb.LeaseLeasesRequest;
        static encode(message: etcdserverpb.LeaseLeasesRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseLeasesRequest & etcdserverpb.LeaseLeasesRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseLeasesRequest;
        static toObject(message: etcdserverpb.LeaseLeasesRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseLeasesRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseLeasesRequest.$Properties;
    }

    interface ILeaseStatus extends etcdserverpb.LeaseStatus.$Properties {
    }

    class LeaseStatus {
        constructor(properties?: etcdserverpb.LeaseStatus.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        static create(properties: etcdserverpb.LeaseStatus.$Shape): etcdserverpb.LeaseStatus & etcdserverpb.LeaseStatus.$Shape;
        static create(properties?: etcdserverpb.LeaseStatus.$Properties): etcdserverpb.LeaseStatus;
        static encode(message: etcdserverpb.LeaseStatus.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseStatus & etcdserverpb.LeaseStatus.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseStatus;
        static toObject(message: etcdserverpb.LeaseStatus, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseStatus {
        interface $Properties {
            ID?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseStatus.$Properties;
    }

    interface ILeaseLeasesResponse extends etcdserverpb.LeaseLeasesResponse.$Properties {
    }

    class LeaseLeasesResponse {
        constructor(properties?: etcdserverpb.LeaseLeasesResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        leases: etcdserverpb.LeaseStatus.$Properties[];
        static create(properties: etcdserverpb.LeaseLeasesResponse.$Shape): etcdserverpb.LeaseLeasesResponse & etcdserverpb.LeaseLeasesResponse.$Shape;
        static create(properties?: etcdserverpb.LeaseLeasesResponse.$Properties): etcdserverpb.LeaseLeasesResponse;
        static encode(message: etcdserverpb.LeaseLeasesResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseLeasesResponse & etcdserverpb.LeaseLeasesResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseLeasesResponse;
        static toObject(message: etcdserverpb.LeaseLeasesResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LeaseLeasesResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            leases?: (etcdserverpb.LeaseStatus.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.LeaseLeasesResponse.$Properties;
    }

    interface IMember extends etcdserverpb.Member.$Properties {
    }

    class Member {
        constructor(properties?: etcdserverpb.Member.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        name: string;
        peerURLs: string[];
        clientURLs: string[];
        isLearner: boolean;
        static create(properties: etcdserverpb.Member.$Shape): etcdserverpb.Member & etcdserverpb.Member.$Shape;
        static create(properties?: etcdserverpb.Member.$Properties): etcdserverpb.Member;
        static encode(message: etcdserverpb.Member.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.Member & etcdserverpb.Member.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.Member;
        static toObject(message: etcdserverpb.Member, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace Member {
        interface $Properties {
            ID?: (number|null);
            name?: (string|null);
            peerURLs?: (string[]|null);
            clientURLs?: (string[]|null);
            isLearner?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.Member.$Properties;
    }

    interface IMemberAddRequest extends etcdserverpb.MemberAddRequest.$Properties {
    }

    class MemberAddRequest {
        constructor(properties?: etcdserverpb.MemberAddRequest.$Properties);
        $unknowns?: Uint8Array[];
        peerURLs: string[];
        isLearner: boolean;
        static create(properties: etcdserverpb.MemberAddRequest.$Shape): etcdserverpb.MemberAddRequest & etcdserverpb.MemberAddRequest.$Shape;
        static create(properties?: etcdserverpb.MemberAddRequest.$Properties): etcdserverpb.MemberAddRequest;
        static encode(message: etcdserverpb.MemberAddRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberAddRequest & etcdserverpb.MemberAddRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberAddRequest;
        static toObject(message: etcdserverpb.MemberAddRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberAddRequest {
        interface $Properties {
            peerURLs?: (string[]|null);
            isLearner?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberAddRequest.$Properties;
    }

    interface IMemberAddResponse extends etcdserverpb.MemberAddResponse.$Properties {
    }

    class MemberAddResponse {
        constructor(properties?: etcdserverpb.MemberAddResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        member?: (etcdserverpb.Member.$Properties|null);
        members: etcdserverpb.Member.$Properties[];
        static create(properties: etcdserverpb.MemberAddResponse.$Shape): etcdserverpb.MemberAddResponse & etcdserverpb.MemberAddResponse.$Shape;
        static create(properties?: etcdserverpb.MemberAddResponse.$Properties): etcdserverpb.MemberAddResponse;
        static encode(message: etcdserverpb.MemberAddResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberAddResponse & etcdserverpb.MemberAddResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberAddResponse;
        static toObject(message: etcdserverpb.MemberAddResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberAddResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            member?: (etcdserverpb.Member.$Properties|null);
            members?: (etcdserverpb.Member.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberAddResponse.$Properties;
    }

    interface IMemberRemoveRequest extends etcdserverpb.MemberRemoveRequest.$Properties {
    }

    class MemberRemoveRequest {
        constructor(properties?: etcdserverpb.MemberRemoveRequest.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        static create(properties: etcdserverpb.MemberRemoveRequest.$Shape): etcdserverpb.MemberRemoveRequest & etcdserverpb.MemberRemoveRequest.$Shape;
        static create(properties?: etcdserverpb.MemberRemoveRequest.$Properties): etcdserverpb.MemberRemoveRequest;
        static encode(message: etcdserverpb.MemberRemoveRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberRemoveRequest & etcdserverpb.MemberRemoveRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberRemoveRequest;
        static toObject(message: etcdserverpb.MemberRemoveRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberRemoveRequest {
        interface $Properties {
            ID?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberRemoveRequest.$Properties;
    }

    interface IMemberRemoveResponse extends etcdserverpb.MemberRemoveResponse.$Properties {
    }

    class MemberRemoveResponse {
        constructor(properties?: etcdserverpb.MemberRemoveResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        members: etcdserverpb.Member.$Properties[];
        static create(properties: etcdserverpb.MemberRemoveResponse.$Shape): etcdserverpb.MemberRemoveResponse & etcdserverpb.MemberRemoveResponse.$Shape;
        static create(properties?: etcdserverpb.MemberRemoveResponse.$Properties): etcdserverpb.MemberRemoveResponse;
        static encode(message: etcdserverpb.MemberRemoveResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberRemoveResponse & etcdserverpb.MemberRemoveResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberRemoveResponse;
        static toObject(message: etcdserverpb.MemberRemoveResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberRemoveResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            members?: (etcdserverpb.Member.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberRemoveResponse.$Properties;
    }

    interface IMemberUpdateRequest extends etcdserverpb.MemberUpdateRequest.$Properties {
    }

    class MemberUpdateRequest {
        constructor(properties?: etcdserverpb.MemberUpdateRequest.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        peerURLs: string[];
        static create(properties: etcdserverpb.MemberUpdateRequest.$Shape): etcdserverpb.MemberUpdateRequest & etcdserverpb.MemberUpdateRequest.$Shape;
        static create(properties?: etcdserverpb.MemberUpdateRequest.$Properties): etcdserverpb.MemberUpdateRequest;
        static encode(message: etcdserverpb.MemberUpdateRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberUpdateRequest & etcdserverpb.MemberUpdateRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberUpdateRequest;
        static toObject(message: etcdserverpb.MemberUpdateRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberUpdateRequest {
        interface $Properties {
            ID?: (number|null);
            peerURLs?: (string[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberUpdateRequest.$Properties;
    }

    interface IMemberUpdateResponse extends etcdserverpb.MemberUpdateResponse.$Properties {
    }

    class MemberUpdateResponse {
        constructor(properties?: etcdserverpb.MemberUpdateResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        members: etcdserverpb.Member.$Properties[];
        static create(properties: etcdserverpb.MemberUpdateResponse.$Shape): etcdserverpb.MemberUpdateResponse & etcdserverpb.MemberUpdateResponse.$Shape;
        static create(properties?: etcdserverpb.MemberUpdateResponse.$Properties): etcdserverpb.MemberUpdateResponse;
        static encode(message: etcdserverpb.MemberUpdateResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberUpdateResponse & etcdserverpb.MemberUpdateResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberUpdateResponse;
        static toObject(message: etcdserverpb.MemberUpdateResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberUpdateResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            members?: (etcdserverpb.Member.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberUpdateResponse.$Properties;
    }

    interface IMemberListRequest extends etcdserverpb.MemberListRequest.$Properties {
    }

    class MemberListRequest {
        constructor(properties?: etcdserverpb.MemberListRequest.$Properties);
        $unknowns?: Uint8Array[];
        linearizable: boolean;
        static create(properties: etcdserverpb.MemberListRequest.$Shape): etcdserverpb.MemberListRequest & etcdserverpb.MemberListRequest.$Shape;
        static create(properties?: etcdserverpb.MemberListRequest.$Properties): etcdserverpb.MemberListRequest;
        static encode(message: etcdserverpb.MemberListRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberListRequest & etcdserverpb.MemberListRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberListRequest;
        static toObject(message: etcdserverpb.MemberListRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberListRequest {
        interface $Properties {
            linearizable?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberListRequest.$Properties;
    }

    interface IMemberListResponse extends etcdserverpb.MemberListResponse.$Properties {
    }

    class MemberListResponse {
        constructor(properties?: etcdserverpb.MemberListResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        members: etcdserverpb.Member.$Properties[];
        static create(properties: etcdserverpb.MemberListResponse.$Shape): etcdserverpb.MemberListResponse & etcdserverpb.MemberListResponse.$Shape;
        static create(properties?: etcdserverpb.MemberListResponse.$Properties): etcdserverpb.MemberListResponse;
        static encode(message: etcdserverpb.MemberListResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberListResponse & etcdserverpb.MemberListResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberListResponse;
        static toObject(message: etcdserverpb.MemberListResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberListResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            members?: (etcdserverpb.Member.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberListResponse.$Properties;
    }

    interface IMemberPromoteRequest extends etcdserverpb.MemberPromoteRequest.$Properties {
    }

    class MemberPromoteRequest {
        constructor(properties?: etcdserverpb.MemberPromoteRequest.$Properties);
        $unknowns?: Uint8Array[];
        ID: number;
        static create(properties: etcdserverpb.MemberPromoteRequest.$Shape): etcdserverpb.MemberPromoteRequest & etcdserverpb.MemberPromoteRequest.$Shape;
        static create(properties?: etcdserverpb.MemberPromoteRequest.$Properties): etcdserverpb.MemberPromoteRequest;
        static encode(message: etcdserverpb.MemberPromoteRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberPromoteRequest & etcdserverpb.MemberPromoteRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberPromoteRequest;
        static toObject(message: etcdserverpb.MemberPromoteRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberPromoteRequest {
        interface $Properties {
            ID?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberPromoteRequest.$Properties;
    }

    interface IMemberPromoteResponse extends etcdserverpb.MemberPromoteResponse.$Properties {
    }

    class MemberPromoteResponse {
        constructor(properties?: etcdserverpb.MemberPromoteResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        members: etcdserverpb.Member.$Properties[];
        static create(properties: etcdserverpb.MemberPromoteResponse.$Shape): etcdserverpb.MemberPromoteResponse & etcdserverpb.MemberPromoteResponse.$Shape;
        static create(properties?: etcdserverpb.MemberPromoteResponse.$Properties): etcdserverpb.MemberPromoteResponse;
        static encode(message: etcdserverpb.MemberPromoteResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberPromoteResponse & etcdserverpb.MemberPromoteResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MemberPromoteResponse;
        static toObject(message: etcdserverpb.MemberPromoteResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MemberPromoteResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            members?: (etcdserverpb.Member.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MemberPromoteResponse.$Properties;
    }

    interface IDefragmentRequest extends etcdserverpb.DefragmentRequest.$Properties {
    }

    class DefragmentRequest {
        constructor(properties?: etcdserverpb.DefragmentRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.DefragmentRequest.$Shape): etcdserverpb.DefragmentRequest & etcdserverpb.DefragmentRequest.$Shape;
        static create(properties?: etcdserverpb.DefragmentRequest.$Properties): etcdserverpb.DefragmentRequest;
        static encode(message: etcdserverpb.DefragmentRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DefragmentRequest & etcdserverpb.DefragmentRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.DefragmentRequest;
        static toObject(message: etcdserverpb.DefragmentRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace DefragmentRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.DefragmentRequest.$Properties;
    }

    interface IDefragmentResponse extends etcdserverpb.DefragmentResponse.$Properties {
    }

    class DefragmentResponse {
        constructor(properties?: etcdserverpb.DefragmentResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.DefragmentResponse.$Shape): etcdserverpb.DefragmentResponse & etcdserverpb.DefragmentResponse.$Shape;
        static create(properties?: etcdserverpb.DefragmentResponse.$Properties): etcdserverpb.DefragmentResponse;
        static encode(message: etcdserverpb.DefragmentResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DefragmentResponse & etcdserverpb.DefragmentResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.DefragmentResponse;
        static toObject(message: etcdserverpb.DefragmentResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace DefragmentResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.DefragmentResponse.$Properties;
    }

    interface ISnapshotRequest extends etcdserverpb.SnapshotRequest.$Properties {
    }

    class SnapshotRequest {
        constructor(properties?: etcdserverpb.SnapshotRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.SnapshotRequest.$Shape): etcdserverpb.SnapshotRequest & etcdserverpb.SnapshotRequest.$Shape;
        static create(properties?: etcdserverpb.SnapshotRequest.$Properties): etcdserverpb.SnapshotRequest;
        static encode(message: etcdserverpb.SnapshotRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.SnapshotRequest & etcdserverpb.SnapshotRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.SnapshotRequest;
        static toObject(message: etcdserverpb.SnapshotRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SnapshotRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.SnapshotRequest.$Properties;
    }

    interface ISnapshotResponse extends etcdserverpb.SnapshotResponse.$Properties {
    }

    class SnapshotResponse {
        constructor(properties?: etcdserverpb.SnapshotResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        remainingBytes: number;
        blob: Uint8Array;
        version: string;
        static create(properties: etcdserverpb.SnapshotResponse.$Shape): etcdserverpb.SnapshotResponse & etcdserverpb.SnapshotResponse.$Shape;
        static create(properties?: etcdserverpb.SnapshotResponse.$Properties): etcdserverpb.SnapshotResponse;
        static encode(message: etcdserverpb.SnapshotResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.SnapshotResponse & etcdserverpb.SnapshotResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.SnapshotResponse;
        static toObject(message: etcdserverpb.SnapshotResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SnapshotResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            remainingBytes?: (number|null);
            blob?: (Uint8Array|null);
            version?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.SnapshotResponse.$Properties;
    }

    interface IMoveLeaderRequest extends etcdserverpb.MoveLeaderRequest.$Properties {
    }

    class MoveLeaderRequest {
        constructor(properties?: etcdserverpb.MoveLeaderRequest.$Properties);
        $unknowns?: Uint8Array[];
        targetID: number;
        static create(properties: etcdserverpb.MoveLeaderRequest.$Shape): etcdserverpb.MoveLeaderRequest & etcdserverpb.MoveLeaderRequest.$Shape;
        static create(properties?: etcdserverpb.MoveLeaderRequest.$Properties): etcdserverpb.MoveLeaderRequest;
        static encode(message: etcdserverpb.MoveLeaderRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MoveLeaderRequest & etcdserverpb.MoveLeaderRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MoveLeaderRequest;
        static toObject(message: etcdserverpb.MoveLeaderRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MoveLeaderRequest {
        interface $Properties {
            targetID?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MoveLeaderRequest.$Properties;
    }

    interface IMoveLeaderResponse extends etcdserverpb.MoveLeaderResponse.$Properties {
    }

    class MoveLeaderResponse {
        constructor(properties?: etcdserverpb.MoveLeaderResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.MoveLeaderResponse.$Shape): etcdserverpb.MoveLeaderResponse & etcdserverpb.MoveLeaderResponse.$Shape;
        static create(properties?: etcdserverpb.MoveLeaderResponse.$Properties): etcdserverpb.MoveLeaderResponse;
        static encode(message: etcdserverpb.MoveLeaderResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MoveLeaderResponse & etcdserverpb.MoveLeaderResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.MoveLeaderResponse;
        static toObject(message: etcdserverpb.MoveLeaderResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MoveLeaderResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.MoveLeaderResponse.$Properties;
    }

    enum AlarmType {
        NONE = 0,
        NOSPACE = 1,
        CORRUPT = 2
    }

    interface IAlarmRequest extends etcdserverpb.AlarmRequest.$Properties {
    }

    class AlarmRequest {
        constructor(properties?: etcdserverpb.AlarmRequest.$Properties);
        $unknowns?: Uint8Array[];
        action: etcdserverpb.AlarmRequest.AlarmAction;
        memberID: number;
        alarm: etcdserverpb.AlarmType;
        static create(properties: etcdserverpb.AlarmRequest.$Shape): etcdserverpb.AlarmRequest & etcdserverpb.AlarmRequest.$Shape;
        static create(properties?: etcdserverpb.AlarmRequest.$Properties): etcdserverpb.AlarmRequest;
        static encode(message: etcdserverpb.AlarmRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AlarmRequest & etcdserverpb.AlarmRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AlarmRequest;
        static toObject(message: etcdserverpb.AlarmRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AlarmRequest {
        interface $Properties {
            action?: (etcdserverpb.AlarmRequest.AlarmAction|null);
            memberID?: (number|null);
            alarm?: (etcdserverpb.AlarmType|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AlarmRequest.$Properties;

        enum AlarmAction {
            GET = 0,
            ACTIVATE = 1,
            DEACTIVATE = 2
        }
    }

    interface IAlarmMember extends etcdserverpb.AlarmMember.$Properties {
    }

    class AlarmMember {
        constructor(properties?: etcdserverpb.AlarmMember.$Properties);
        $unknowns?: Uint8Array[];
        memberID: number;
        alarm: etcdserverpb.AlarmType;
        static create(properties: etcdserverpb.AlarmMember.$Shape): etcdserverpb.AlarmMember & etcdserverpb.AlarmMember.$Shape;
        static create(properties?: etcdserverpb.AlarmMember.$Properties): etcdserverpb.AlarmMember;
        static encode(message: etcdserverpb.AlarmMember.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AlarmMember & etcdserverpb.AlarmMember.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AlarmMember;
        static toObject(message: etcdserverpb.AlarmMember, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AlarmMember {
        interface $Properties {
            memberID?: (number|null);
            alarm?: (etcdserverpb.AlarmType|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AlarmMember.$Properties;
    }

    interface IAlarmResponse extends etcdserverpb.AlarmResponse.$Properties {
    }

    class AlarmResponse {
        constructor(properties?: etcdserverpb.AlarmResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        alarms: etcdserverpb.AlarmMember.$Properties[];
        static create(properties: etcdserverpb.AlarmResponse.$Shape): etcdserverpb.AlarmResponse & etcdserverpb.AlarmResponse.$Shape;
        static create(properties?: etcdserverpb.AlarmResponse.$Properties): etcdserverpb.AlarmResponse;
        static encode(message: etcdserverpb.AlarmResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AlarmResponse & etcdserverpb.AlarmResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AlarmResponse;
        static toObject(message: etcdserverpb.AlarmResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AlarmResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            alarms?: (etcdserverpb.AlarmMember.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AlarmResponse.$Properties;
    }

    interface IStatusRequest extends etcdserverpb.StatusRequest.$Properties {
    }

    class StatusRequest {
        constructor(properties?: etcdserverpb.StatusRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.StatusRequest.$Shape): etcdserverpb.StatusRequest & etcdserverpb.StatusRequest.$Shape;
        static create(properties?: etcdserverpb.StatusRequest.$Properties): etcdserverpb.StatusRequest;
        static encode(message: etcdserverpb.StatusRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.StatusRequest & etcdserverpb.StatusRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.StatusRequest;
        static toObject(message: etcdserverpb.StatusRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace StatusRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.StatusRequest.$Properties;
    }

    interface IStatusResponse extends etcdserverpb.StatusResponse.$Properties {
    }

    class StatusResponse {
        constructor(properties?: etcdserverpb.StatusResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        version: string;
        dbSize: number;
        leader: number;
        raftIndex: number;
        raftTerm: number;
        raftAppliedIndex: number;
        errors: string[];
        dbSizeInUse: number;
        isLearner: boolean;
        static create(properties: etcdserverpb.StatusResponse.$Shape): etcdserverpb.StatusResponse & etcdserverpb.StatusResponse.$Shape;
        static create(properties?: etcdserverpb.StatusResponse.$Properties): etcdserverpb.StatusResponse;
        static encode(message: etcdserverpb.StatusResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.StatusResponse & etcdserverpb.StatusResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.StatusResponse;
        static toObject(message: etcdserverpb.StatusResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace StatusResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            version?: (string|null);
            dbSize?: (number|null);
            leader?: (number|null);
            raftIndex?: (number|null);
            raftTerm?: (number|null);
            raftAppliedIndex?: (number|null);
            errors?: (string[]|null);
            dbSizeInUse?: (number|null);
            isLearner?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.StatusResponse.$Properties;
    }

    interface IAuthEnableRequest extends etcdserverpb.AuthEnableRequest.$Properties {
    }

    class AuthEnableRequest {
        constructor(properties?: etcdserverpb.AuthEnableRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.AuthEnableRequest.$Shape): etcdserverpb.AuthEnableRequest & etcdserverpb.AuthEnableRequest.$Shape;
        static create(properties?: etcdserverpb.AuthEnableRequest.$Properties): etcdserverpb.AuthEnableRequest;
        static encode(message: etcdserverpb.AuthEnableRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthEnableRequest & etcdserverpb.AuthEnableRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthEnableRequest;
        static toObject(message: etcdserverpb.AuthEnableRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthEnableRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthEnableRequest.$Properties;
    }

    interface IAuthDisableRequest extends etcdserverpb.AuthDisableRequest.$Properties {
    }

    class AuthDisableRequest {
        constructor(properties?: etcdserverpb.AuthDisableRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.AuthDisableRequest.$Shape): etcdserverpb.AuthDisableRequest & etcdserverpb.AuthDisableRequest.$Shape;
        static create(properties?: etcdserverpb.AuthDisableRequest.$Properties): etcdserverpb.AuthDisableRequest;
        static encode(message: etcdserverpb.AuthDisableRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthDisableRequest & etcdserverpb.AuthDisableRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthDisableRequest;
        static toObject(message: etcdserverpb.AuthDisableRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthDisableRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthDisableRequest.$Properties;
    }

    interface IAuthStatusRequest extends etcdserverpb.AuthStatusRequest.$Properties {
    }

    class AuthStatusRequest {
        constructor(properties?: etcdserverpb.AuthStatusRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.AuthStatusRequest.$Shape): etcdserverpb.AuthStatusRequest & etcdserverpb.AuthStatusRequest.$Shape;
        static create(properties?: etcdserverpb.AuthStatusRequest.$Properties): etcdserverpb.AuthStatusRequest;
        static encode(message: etcdserverpb.AuthStatusRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthStatusRequest & etcdserverpb.AuthStatusRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthStatusRequest;
        static toObject(message: etcdserverpb.AuthStatusRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthStatusRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthStatusRequest.$Properties;
    }

    interface IAuthenticateRequest extends etcdserverpb.AuthenticateRequest.$Properties {
    }

    class AuthenticateRequest {
        constructor(properties?: etcdserverpb.AuthenticateRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        password: string;
        static create(properties: etcdserverpb.AuthenticateRequest.$Shape): etcdserverpb.AuthenticateRequest & etcdserverpb.AuthenticateRequest.$Shape;
        static create(properties?: etcdserverpb.AuthenticateRequest.$Properties): etcdserverpb.AuthenticateRequest;
        static encode(message: etcdserverpb.AuthenticateRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthenticateRequest & etcdserverpb.AuthenticateRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthenticateRequest;
        static toObject(message: etcdserverpb.AuthenticateRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthenticateRequest {
        interface $Properties {
            name?: (string|null);
            password?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthenticateRequest.$Properties;
    }

    interface IAuthUserAddRequest extends etcdserverpb.AuthUserAddRequest.$Properties {
    }

    class AuthUserAddRequest {
        constructor(properties?: etcdserverpb.AuthUserAddRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        password: string;
        options?: (authpb.UserAddOptions.$Properties|null);
        hashedPassword: string;
        static create(properties: etcdserverpb.AuthUserAddRequest.$Shape): etcdserverpb.AuthUserAddRequest & etcdserverpb.AuthUserAddRequest.$Shape;
        static create(properties?: etcdserverpb.AuthUserAddRequest.$Properties): etcdserverpb.AuthUserAddRequest;
        static encode(message: etcdserverpb.AuthUserAddRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserAddRequest & etcdserverpb.AuthUserAddRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserAddRequest;
        static toObject(message: etcdserverpb.AuthUserAddRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserAddRequest {
        interface $Properties {
            name?: (string|null);
            password?: (string|null);
            options?: (authpb.UserAddOptions.$Properties|null);
            hashedPassword?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserAddRequest.$Properties;
    }

    interface IAuthUserGetRequest extends etcdserverpb.AuthUserGetRequest.$Properties {
    }

    class AuthUserGetRequest {
        constructor(properties?: etcdserverpb.AuthUserGetRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        static create(properties: etcdserverpb.AuthUserGetRequest.$Shape): etcdserverpb.AuthUserGetRequest & etcdserverpb.AuthUserGetRequest.$Shape;
        static create(properties?: etcdserverpb.AuthUserGetRequest.$Properties): etcdserverpb.AuthUserGetRequest;
        static encode(message: etcdserverpb.AuthUserGetRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGetRequest & etcdserverpb.AuthUserGetRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGetRequest;
        static toObject(message: etcdserverpb.AuthUserGetRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserGetRequest {
        interface $Properties {
            name?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserGetRequest.$Properties;
    }

    interface IAuthUserDeleteRequest extends etcdserverpb.AuthUserDeleteRequest.$Properties {
    }

    class AuthUserDeleteRequest {
        constructor(properties?: etcdserverpb.AuthUserDeleteRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        static create(properties: etcdserverpb.AuthUserDeleteRequest.$Shape): etcdserverpb.AuthUserDeleteRequest & etcdserverpb.AuthUserDeleteRequest.$Shape;
        static create(properties?: etcdserverpb.AuthUserDeleteRequest.$Properties): etcdserverpb.AuthUserDeleteRequest;
        static encode(message: etcdserverpb.AuthUserDeleteRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserDeleteRequest & etcdserverpb.AuthUserDeleteRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserDeleteRequest;
        static toObject(message: etcdserverpb.AuthUserDeleteRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserDeleteRequest {
        interface $Properties {
            name?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserDeleteRequest.$Properties;
    }

    interface IAuthUserChangePasswordRequest extends etcdserverpb.AuthUserChangePasswordRequest.$Properties {
    }

    class AuthUserChangePasswordRequest {
        constructor(properties?: etcdserverpb.AuthUserChangePasswordRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        password: string;
        hashedPassword: string;
        static create(properties: etcdserverpb.AuthUserChangePasswordRequest.$Shape): etcdserverpb.AuthUserChangePasswordRequest & etcdserverpb.AuthUserChangePasswordRequest.$Shape;
        static create(properties?: etcdserverpb.AuthUserChangePasswordRequest.$Properties): etcdserverpb.AuthUserChangePasswordRequest;
        static encode(message: etcdserverpb.AuthUserChangePasswordRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserChangePasswordRequest & etcdserverpb.AuthUserChangePasswordRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserChangePasswordRequest;
        static toObject(message: etcdserverpb.AuthUserChangePasswordRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserChangePasswordRequest {
        interface $Properties {
            name?: (string|null);
            password?: (string|null);
            hashedPassword?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserChangePasswordRequest.$Properties;
    }

    interface IAuthUserGrantRoleRequest extends etcdserverpb.AuthUserGrantRoleRequest.$Properties {
    }

    class AuthUserGrantRoleRequest {
        constructor(properties?: etcdserverpb.AuthUserGrantRoleRequest.$Properties);
        $unknowns?: Uint8Array[];
        user: string;
        role: string;
        static create(properties: etcdserverpb.AuthUserGrantRoleRequest.$Shape): etcdserverpb.AuthUserGrantRoleRequest & etcdserverpb.AuthUserGrantRoleRequest.$Shape;
        static create(properties?: etcdserverpb.AuthUserGrantRoleRequest.$Properties): etcdserverpb.AuthUserGrantRoleRequest;
        static encode(message: etcdserverpb.AuthUserGrantRoleRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGrantRoleRequest & etcdserverpb.AuthUserGrantRoleRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGrantRoleRequest;
        static toObject(message: etcdserverpb.AuthUserGrantRoleRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserGrantRoleRequest {
        interface $Properties {
            user?: (string|null);
            role?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserGrantRoleRequest.$Properties;
    }

    interface IAuthUserRevokeRoleRequest extends etcdserverpb.AuthUserRevokeRoleRequest.$Properties {
    }

    class AuthUserRevokeRoleRequest {
        constructor(properties?: etcdserverpb.AuthUserRevokeRoleRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        role: string;
        static create(properties: etcdserverpb.AuthUserRevokeRoleRequest.$Shape): etcdserverpb.AuthUserRevokeRoleRequest & etcdserverpb.AuthUserRevokeRoleRequest.$Shape;
        static create(properties?: etcdserverpb.AuthUserRevokeRoleRequest.$Properties): etcdserverpb.AuthUserRevokeRoleRequest;
        static encode(message: etcdserverpb.AuthUserRevokeRoleRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserRevokeRoleRequest & etcdserverpb.AuthUserRevokeRoleRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserRevokeRoleRequest;
        static toObject(message: etcdserverpb.AuthUserRevokeRoleRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserRevokeRoleRequest {
        interface $Properties {
            name?: (string|null);
            role?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserRevokeRoleRequest.$Properties;
    }

    interface IAuthRoleAddRequest extends etcdserverpb.AuthRoleAddRequest.$Properties {
    }

    class AuthRoleAddRequest {
        constructor(properties?: etcdserverpb.AuthRoleAddRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        static create(properties: etcdserverpb.AuthRoleAddRequest.$Shape): etcdserverpb.AuthRoleAddRequest & etcdserverpb.AuthRoleAddRequest.$Shape;
        static create(properties?: etcdserverpb.AuthRoleAddRequest.$Properties): etcdserverpb.AuthRoleAddRequest;
        static encode(message: etcdserverpb.AuthRoleAddRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleAddRequest & etcdserverpb.AuthRoleAddRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleAddRequest;
        static toObject(message: etcdserverpb.AuthRoleAddRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleAddRequest {
        interface $Properties {
            name?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleAddRequest.$Properties;
    }

    interface IAuthRoleGetRequest extends etcdserverpb.AuthRoleGetRequest.$Properties {
    }

    class AuthRoleGetRequest {
        constructor(properties?: etcdserverpb.AuthRoleGetRequest.$Properties);
        $unknowns?: Uint8Array[];
        role: string;
        static create(properties: etcdserverpb.AuthRoleGetRequest.$Shape): etcdserverpb.AuthRoleGetRequest & etcdserverpb.AuthRoleGetRequest.$Shape;
        static create(properties?: etcdserverpb.AuthRoleGetRequest.$Properties): etcdserverpb.AuthRoleGetRequest;
        static encode(message: etcdserverpb.AuthRoleGetRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGetRequest & etcdserverpb.AuthRoleGetRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGetRequest;
        static toObject(message: etcdserverpb.AuthRoleGetRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleGetRequest {
        interface $Properties {
            role?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleGetRequest.$Properties;
    }

    interface IAuthUserListRequest extends etcdserverpb.AuthUserListRequest.$Properties {
    }

    class AuthUserListRequest {
        constructor(properties?: etcdserverpb.AuthUserListRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.AuthUserListRequest.$Shape): etcdserverpb.AuthUserListRequest & etcdserverpb.AuthUserListRequest.$Shape;
        static create(properties?: etcdserverpb.AuthUserListRequest.$Properties): etcdserverpb.AuthUserListRequest;
        static encode(message: etcdserverpb.AuthUserListRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserListRequest & etcdserverpb.AuthUserListRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserListRequest;
        static toObject(message: etcdserverpb.AuthUserListRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserListRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserListRequest.$Properties;
    }

    interface IAuthRoleListRequest extends etcdserverpb.AuthRoleListRequest.$Properties {
    }

    class AuthRoleListRequest {
        constructor(properties?: etcdserverpb.AuthRoleListRequest.$Properties);
        $unknowns?: Uint8Array[];
        static create(properties: etcdserverpb.AuthRoleListRequest.$Shape): etcdserverpb.AuthRoleListRequest & etcdserverpb.AuthRoleListRequest.$Shape;
        static create(properties?: etcdserverpb.AuthRoleListRequest.$Properties): etcdserverpb.AuthRoleListRequest;
        static encode(message: etcdserverpb.AuthRoleListRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleListRequest & etcdserverpb.AuthRoleListRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleListRequest;
        static toObject(message: etcdserverpb.AuthRoleListRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleListRequest {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleListRequest.$Properties;
    }

    interface IAuthRoleDeleteRequest extends etcdserverpb.AuthRoleDeleteRequest.$Properties {
    }

    class AuthRoleDeleteRequest {
        constructor(properties?: etcdserverpb.AuthRoleDeleteRequest.$Properties);
        $unknowns?: Uint8Array[];
        role: string;
        static create(properties: etcdserverpb.AuthRoleDeleteRequest.$Shape): etcdserverpb.AuthRoleDeleteRequest & etcdserverpb.AuthRoleDeleteRequest.$Shape;
        static create(properties?: etcdserverpb.AuthRoleDeleteRequest.$Properties): etcdserverpb.AuthRoleDeleteRequest;
        static encode(message: etcdserverpb.AuthRoleDeleteRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleDeleteRequest & etcdserverpb.AuthRoleDeleteRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleDeleteRequest;
        static toObject(message: etcdserverpb.AuthRoleDeleteRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleDeleteRequest {
        interface $Properties {
            role?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleDeleteRequest.$Properties;
    }

    interface IAuthRoleGrantPermissionRequest extends etcdserverpb.AuthRoleGrantPermissionRequest.$Properties {
    }

    class AuthRoleGrantPermissionRequest {
        constructor(properties?: etcdserverpb.AuthRoleGrantPermissionRequest.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        perm?: (authpb.Permission.$Properties|null);
        static create(properties: etcdserverpb.AuthRoleGrantPermissionRequest.$Shape): etcdserverpb.AuthRoleGrantPermissionRequest & etcdserverpb.AuthRoleGrantPermissionRequest.$Shape;
        static create(properties?: etcdserverpb.AuthRoleGrantPermissionRequest.$Properties): etcdserverpb.AuthRoleGrantPermissionRequest;
        static encode(message: etcdserverpb.AuthRoleGrantPermissionRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGrantPermissionRequest & etcdserverpb.AuthRoleGrantPermissionRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGrantPermissionRequest;
        static toObject(message: etcdserverpb.AuthRoleGrantPermissionRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleGrantPermissionRequest {
        interface $Properties {
            name?: (string|null);
            perm?: (authpb.Permission.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleGrantPermissionRequest.$Properties;
    }

    interface IAuthRoleRevokePermissionRequest extends etcdserverpb.AuthRoleRevokePermissionRequest.$Properties {
    }

    class AuthRoleRevokePermissionRequest {
        constructor(properties?: etcdserverpb.AuthRoleRevokePermissionRequest.$Properties);
        $unknowns?: Uint8Array[];
        role: string;
        key: Uint8Array;
        rangeEnd: Uint8Array;
        static create(properties: etcdserverpb.AuthRoleRevokePermissionRequest.$Shape): etcdserverpb.AuthRoleRevokePermissionRequest & etcdserverpb.AuthRoleRevokePermissionRequest.$Shape;
        static create(properties?: etcdserverpb.AuthRoleRevokePermissionRequest.$Properties): etcdserverpb.AuthRoleRevokePermissionRequest;
        static encode(message: etcdserverpb.AuthRoleRevokePermissionRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleRevokePermissionRequest & etcdserverpb.AuthRoleRevokePermissionRequest.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleRevokePermissionRequest;
        static toObject(message: etcdserverpb.AuthRoleRevokePermissionRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleRevokePermissionRequest {
        interface $Properties {
            role?: (string|null);
            key?: (Uint8Array|null);
            rangeEnd?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleRevokePermissionRequest.$Properties;
    }

    interface IAuthEnableResponse extends etcdserverpb.AuthEnableResponse.$Properties {
    }

    class AuthEnableResponse {
        constructor(properties?: etcdserverpb.AuthEnableResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthEnableResponse.$Shape): etcdserverpb.AuthEnableResponse & etcdserverpb.AuthEnableResponse.$Shape;
        static create(properties?: etcdserverpb.AuthEnableResponse.$Properties): etcdserverpb.AuthEnableResponse;
        static encode(message: etcdserverpb.AuthEnableResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthEnableResponse & etcdserverpb.AuthEnableResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthEnableResponse;
        static toObject(message: etcdserverpb.AuthEnableResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthEnableResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthEnableResponse.$Properties;
    }

    interface IAuthDisableResponse extends etcdserverpb.AuthDisableResponse.$Properties {
    }

    class AuthDisableResponse {
        constructor(properties?: etcdserverpb.AuthDisableResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthDisableResponse.$Shape): etcdserverpb.AuthDisableResponse & etcdserverpb.AuthDisableResponse.$Shape;
        static create(properties?: etcdserverpb.AuthDisableResponse.$Properties): etcdserverpb.AuthDisableResponse;
        static encode(message: etcdserverpb.AuthDisableResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthDisableResponse & etcdserverpb.AuthDisableResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthDisableResponse;
        static toObject(message: etcdserverpb.AuthDisableResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthDisableResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthDisableResponse.$Properties;
    }

    interface IAuthStatusResponse extends etcdserverpb.AuthStatusResponse.$Properties {
    }

    class AuthStatusResponse {
        constructor(properties?: etcdserverpb.AuthStatusResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        enabled: boolean;
        authRevision: number;
        static create(properties: etcdserverpb.AuthStatusResponse.$Shape): etcdserverpb.AuthStatusResponse & etcdserverpb.AuthStatusResponse.$Shape;
        static create(properties?: etcdserverpb.AuthStatusResponse.$Properties): etcdserverpb.AuthStatusResponse;
        static encode(message: etcdserverpb.AuthStatusResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthStatusResponse & etcdserverpb.AuthStatusResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthStatusResponse;
        static toObject(message: etcdserverpb.AuthStatusResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthStatusResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            enabled?: (boolean|null);
            authRevision?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthStatusResponse.$Properties;
    }

    interface IAuthenticateResponse extends etcdserverpb.AuthenticateResponse.$Properties {
    }

    class AuthenticateResponse {
        constructor(properties?: etcdserverpb.AuthenticateResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        token: string;
        static create(properties: etcdserverpb.AuthenticateResponse.$Shape): etcdserverpb.AuthenticateResponse & etcdserverpb.AuthenticateResponse.$Shape;
        static create(properties?: etcdserverpb.AuthenticateResponse.$Properties): etcdserverpb.AuthenticateResponse;
        static encode(message: etcdserverpb.AuthenticateResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthenticateResponse & etcdserverpb.AuthenticateResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthenticateResponse;
        static toObject(message: etcdserverpb.AuthenticateResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthenticateResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            token?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthenticateResponse.$Properties;
    }

    interface IAuthUserAddResponse extends etcdserverpb.AuthUserAddResponse.$Properties {
    }

    class AuthUserAddResponse {
        constructor(properties?: etcdserverpb.AuthUserAddResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthUserAddResponse.$Shape): etcdserverpb.AuthUserAddResponse & etcdserverpb.AuthUserAddResponse.$Shape;
        static create(properties?: etcdserverpb.AuthUserAddResponse.$Properties): etcdserverpb.AuthUserAddResponse;
        static encode(message: etcdserverpb.AuthUserAddResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserAddResponse & etcdserverpb.AuthUserAddResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserAddResponse;
        static toObject(message: etcdserverpb.AuthUserAddResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserAddResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserAddResponse.$Properties;
    }

    interface IAuthUserGetResponse extends etcdserverpb.AuthUserGetResponse.$Properties {
    }

    class AuthUserGetResponse {
        constructor(properties?: etcdserverpb.AuthUserGetResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        roles: string[];
        static create(properties: etcdserverpb.AuthUserGetResponse.$Shape): etcdserverpb.AuthUserGetResponse & etcdserverpb.AuthUserGetResponse.$Shape;
        static create(properties?: etcdserverpb.AuthUserGetResponse.$Properties): etcdserverpb.AuthUserGetResponse;
        static encode(message: etcdserverpb.AuthUserGetResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGetResponse & etcdserverpb.AuthUserGetResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGetResponse;
        static toObject(message: etcdserverpb.AuthUserGetResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserGetResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            roles?: (string[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserGetResponse.$Properties;
    }

    interface IAuthUserDeleteResponse extends etcdserverpb.AuthUserDeleteResponse.$Properties {
    }

    class AuthUserDeleteResponse {
        constructor(properties?: etcdserverpb.AuthUserDeleteResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthUserDeleteResponse.$Shape): etcdserverpb.AuthUserDeleteResponse & etcdserverpb.AuthUserDeleteResponse.$Shape;
        static create(properties?: etcdserverpb.AuthUserDeleteResponse.$Properties): etcdserverpb.AuthUserDeleteResponse;
        static encode(message: etcdserverpb.AuthUserDeleteResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserDeleteResponse & etcdserverpb.AuthUserDeleteResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserDeleteResponse;
        static toObject(message: etcdserverpb.AuthUserDeleteResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserDeleteResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserDeleteResponse.$Properties;
    }

    interface IAuthUserChangePasswordResponse extends etcdserverpb.AuthUserChangePasswordResponse.$Properties {
    }

    class AuthUserChangePasswordResponse {
        constructor(properties?: etcdserverpb.AuthUserChangePasswordResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthUserChangePasswordResponse.$Shape): etcdserverpb.AuthUserChangePasswordResponse & etcdserverpb.AuthUserChangePasswordResponse.$Shape;
        static create(properties?: etcdserverpb.AuthUserChangePasswordResponse.$Properties): etcdserverpb.AuthUserChangePasswordResponse;
        static encode(message: etcdserverpb.AuthUserChangePasswordResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserChangePasswordResponse & etcdserverpb.AuthUserChangePasswordResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserChangePasswordResponse;
        static toObject(message: etcdserverpb.AuthUserChangePasswordResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserChangePasswordResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserChangePasswordResponse.$Properties;
    }

    interface IAuthUserGrantRoleResponse extends etcdserverpb.AuthUserGrantRoleResponse.$Properties {
    }

    class AuthUserGrantRoleResponse {
        constructor(properties?: etcdserverpb.AuthUserGrantRoleResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthUserGrantRoleResponse.$Shape): etcdserverpb.AuthUserGrantRoleResponse & etcdserverpb.AuthUserGrantRoleResponse.$Shape;
        static create(properties?: etcdserverpb.AuthUserGrantRoleResponse.$Properties): etcdserverpb.AuthUserGrantRoleResponse;
        static encode(message: etcdserverpb.AuthUserGrantRoleResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGrantRoleResponse & etcdserverpb.AuthUserGrantRoleResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGrantRoleResponse;
        static toObject(message: etcdserverpb.AuthUserGrantRoleResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserGrantRoleResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserGrantRoleResponse.$Properties;
    }

    interface IAuthUserRevokeRoleResponse extends etcdserverpb.AuthUserRevokeRoleResponse.$Properties {
    }

    class AuthUserRevokeRoleResponse {
        constructor(properties?: etcdserverpb.AuthUserRevokeRoleResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthUserRevokeRoleResponse.$Shape): etcdserverpb.AuthUserRevokeRoleResponse & etcdserverpb.AuthUserRevokeRoleResponse.$Shape;
        static create(properties?: etcdserverpb.AuthUserRevokeRoleResponse.$Properties): etcdserverpb.AuthUserRevokeRoleResponse;
        static encode(message: etcdserverpb.AuthUserRevokeRoleResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserRevokeRoleResponse & etcdserverpb.AuthUserRevokeRoleResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserRevokeRoleResponse;
        static toObject(message: etcdserverpb.AuthUserRevokeRoleResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserRevokeRoleResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserRevokeRoleResponse.$Properties;
    }

    interface IAuthRoleAddResponse extends etcdserverpb.AuthRoleAddResponse.$Properties {
    }

    class AuthRoleAddResponse {
        constructor(properties?: etcdserverpb.AuthRoleAddResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthRoleAddResponse.$Shape): etcdserverpb.AuthRoleAddResponse & etcdserverpb.AuthRoleAddResponse.$Shape;
        static create(properties?: etcdserverpb.AuthRoleAddResponse.$Properties): etcdserverpb.AuthRoleAddResponse;
        static encode(message: etcdserverpb.AuthRoleAddResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleAddResponse & etcdserverpb.AuthRoleAddResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleAddResponse;
        static toObject(message: etcdserverpb.AuthRoleAddResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleAddResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleAddResponse.$Properties;
    }

    interface IAuthRoleGetResponse extends etcdserverpb.AuthRoleGetResponse.$Properties {
    }

    class AuthRoleGetResponse {
        constructor(properties?: etcdserverpb.AuthRoleGetResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        perm: authpb.Permission.$Properties[];
        static create(properties: etcdserverpb.AuthRoleGetResponse.$Shape): etcdserverpb.AuthRoleGetResponse & etcdserverpb.AuthRoleGetResponse.$Shape;
        static create(properties?: etcdserverpb.AuthRoleGetResponse.$Properties): etcdserverpb.AuthRoleGetResponse;
        static encode(message: etcdserverpb.AuthRoleGetResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGetResponse & etcdserverpb.AuthRoleGetResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGetResponse;
        static toObject(message: etcdserverpb.AuthRoleGetResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleGetResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            perm?: (authpb.Permission.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleGetResponse.$Properties;
    }

    interface IAuthRoleListResponse extends etcdserverpb.AuthRoleListResponse.$Properties {
    }

    class AuthRoleListResponse {
        constructor(properties?: etcdserverpb.AuthRoleListResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        roles: string[];
        static create(properties: etcdserverpb.AuthRoleListResponse.$Shape): etcdserverpb.AuthRoleListResponse & etcdserverpb.AuthRoleListResponse.$Shape;
        static create(properties?: etcdserverpb.AuthRoleListResponse.$Properties): etcdserverpb.AuthRoleListResponse;
        static encode(message: etcdserverpb.AuthRoleListResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleListResponse & etcdserverpb.AuthRoleListResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleListResponse;
        static toObject(message: etcdserverpb.AuthRoleListResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleListResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            roles?: (string[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleListResponse.$Properties;
    }

    interface IAuthUserListResponse extends etcdserverpb.AuthUserListResponse.$Properties {
    }

    class AuthUserListResponse {
        constructor(properties?: etcdserverpb.AuthUserListResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        users: string[];
        static create(properties: etcdserverpb.AuthUserListResponse.$Shape): etcdserverpb.AuthUserListResponse & etcdserverpb.AuthUserListResponse.$Shape;
        static create(properties?: etcdserverpb.AuthUserListResponse.$Properties): etcdserverpb.AuthUserListResponse;
        static encode(message: etcdserverpb.AuthUserListResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserListResponse & etcdserverpb.AuthUserListResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserListResponse;
        static toObject(message: etcdserverpb.AuthUserListResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthUserListResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            users?: (string[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthUserListResponse.$Properties;
    }

    interface IAuthRoleDeleteResponse extends etcdserverpb.AuthRoleDeleteResponse.$Properties {
    }

    class AuthRoleDeleteResponse {
        constructor(properties?: etcdserverpb.AuthRoleDeleteResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthRoleDeleteResponse.$Shape): etcdserverpb.AuthRoleDeleteResponse & etcdserverpb.AuthRoleDeleteResponse.$Shape;
        static create(properties?: etcdserverpb.AuthRoleDeleteResponse.$Properties): etcdserverpb.AuthRoleDeleteResponse;
        static encode(message: etcdserverpb.AuthRoleDeleteResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleDeleteResponse & etcdserverpb.AuthRoleDeleteResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleDeleteResponse;
        static toObject(message: etcdserverpb.AuthRoleDeleteResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleDeleteResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleDeleteResponse.$Properties;
    }

    interface IAuthRoleGrantPermissionResponse extends etcdserverpb.AuthRoleGrantPermissionResponse.$Properties {
    }

    class AuthRoleGrantPermissionResponse {
        constructor(properties?: etcdserverpb.AuthRoleGrantPermissionResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthRoleGrantPermissionResponse.$Shape): etcdserverpb.AuthRoleGrantPermissionResponse & etcdserverpb.AuthRoleGrantPermissionResponse.$Shape;
        static create(properties?: etcdserverpb.AuthRoleGrantPermissionResponse.$Properties): etcdserverpb.AuthRoleGrantPermissionResponse;
        static encode(message: etcdserverpb.AuthRoleGrantPermissionResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGrantPermissionResponse & etcdserverpb.AuthRoleGrantPermissionResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGrantPermissionResponse;
        static toObject(message: etcdserverpb.AuthRoleGrantPermissionResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleGrantPermissionResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleGrantPermissionResponse.$Properties;
    }

    interface IAuthRoleRevokePermissionResponse extends etcdserverpb.AuthRoleRevokePermissionResponse.$Properties {
    }

    class AuthRoleRevokePermissionResponse {
        constructor(properties?: etcdserverpb.AuthRoleRevokePermissionResponse.$Properties);
        $unknowns?: Uint8Array[];
        header?: (etcdserverpb.ResponseHeader.$Properties|null);
        static create(properties: etcdserverpb.AuthRoleRevokePermissionResponse.$Shape): etcdserverpb.AuthRoleRevokePermissionResponse & etcdserverpb.AuthRoleRevokePermissionResponse.$Shape;
        static create(properties?: etcdserverpb.AuthRoleRevokePermissionResponse.$Properties): etcdserverpb.AuthRoleRevokePermissionResponse;
        static encode(message: etcdserverpb.AuthRoleRevokePermissionResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleRevokePermissionResponse & etcdserverpb.AuthRoleRevokePermissionResponse.$Shape;
        static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleRevokePermissionResponse;
        static toObject(message: etcdserverpb.AuthRoleRevokePermissionResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AuthRoleRevokePermissionResponse {
        interface $Properties {
            header?: (etcdserverpb.ResponseHeader.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = etcdserverpb.AuthRoleRevokePermissionResponse.$Properties;
    }
}

export namespace mvccpb {

    interface IKeyValue extends mvccpb.KeyValue.$Properties {
    }

    class KeyValue {
        constructor(properties?: mvccpb.KeyValue.$Properties);
        $unknowns?: Uint8Array[];
        key: Uint8Array;
        createRevision: number;
        modRevision: number;
        version: number;
        value: Uint8Array;
        lease: number;
        static create(properties: mvccpb.KeyValue.$Shape): mvccpb.KeyValue & mvccpb.KeyValue.$Shape;
        static create(properties?: mvccpb.KeyValue.$Properties): mvccpb.KeyValue;
        static encode(message: mvccpb.KeyValue.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mvccpb.KeyValue & mvccpb.KeyValue.$Shape;
        static fromObject(object: { [k: string]: any }): mvccpb.KeyValue;
        static toObject(message: mvccpb.KeyValue, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace KeyValue {
        interface $Properties {
            key?: (Uint8Array|null);
            createRevision?: (number|null);
            modRevision?: (number|null);
            version?: (number|null);
            value?: (Uint8Array|null);
            lease?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mvccpb.KeyValue.$Properties;
    }

    interface IEvent extends mvccpb.Event.$Properties {
    }

    class Event {
        constructor(properties?: mvccpb.Event.$Properties);
        $unknowns?: Uint8Array[];
        type: mvccpb.Event.EventType;
        kv?: (mvccpb.KeyValue.$Properties|null);
        prevKv?: (mvccpb.KeyValue.$Properties|null);
        static create(properties: mvccpb.Event.$Shape): mvccpb.Event & mvccpb.Event.$Shape;
        static create(properties?: mvccpb.Event.$Properties): mvccpb.Event;
        static encode(message: mvccpb.Event.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mvccpb.Event & mvccpb.Event.$Shape;
        static fromObject(object: { [k: string]: any }): mvccpb.Event;
        static toObject(message: mvccpb.Event, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace Event {
        interface $Properties {
            type?: (mvccpb.Event.EventType|null);
            kv?: (mvccpb.KeyValue.$Properties|null);
            prevKv?: (mvccpb.KeyValue.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mvccpb.Event.$Properties;

        enum EventType {
            PUT = 0,
            DELETE = 1
        }
    }
}
