export { grpcServer } from './grpc-server.js';
export { grpcModule } from './module.js';
export { GrpcService } from './service.js';
export { FORCED_SHUTDOWN_WARNING } from './lifecycle.js';
export type { ServingStatus } from './health.js';
export { grpcServerOptionsSchema, type GrpcServerOptions, type GrpcModuleOptions } from './options.js';
export { GrpcMisuseError, GrpcServerAlreadyBoundError, GrpcServerShutDownError, GrpcNotAServerError, GrpcForeignServiceError, GrpcCallsCancelledError } from './errors.js';
