/**
 * An OTLP/HTTP receiver on 127.0.0.1 that decodes the JSON exporters' requests (the default
 * encoding of @opentelemetry/exporter-*-otlp-http), keeping every span name, metric data point and
 * log record body. `hang: true` reads requests and never answers: a collector that stopped
 * responding. `status: { metrics: 400 }` answers that signal's requests with that status (and
 * keeps nothing of them): a collector that refuses them. The options are read at each request: a
 * test may change them on a running receiver. The implementation is plain JavaScript
 * (fixtures/otlp-receiver.mjs), so the conformance suite's collector process runs the same one.
 */
export { startReceiver, type Receiver, type ReceiverOptions, type Signal } from './fixtures/otlp-receiver.mjs';
