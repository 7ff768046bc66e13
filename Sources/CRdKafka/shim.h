#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// Swift cannot call C variadic functions, so `rd_kafka_producev` is wrapped here.
/// The value and key are copied by librdkafka (RD_KAFKA_MSG_F_COPY). On success
/// librdkafka owns `headers`; on failure the caller still owns them.
static inline rd_kafka_resp_err_t crdkafka_produce(rd_kafka_t *rk,
                                                   const char *topic,
                                                   const void *key,
                                                   size_t key_len,
                                                   const void *value,
                                                   size_t value_len,
                                                   rd_kafka_headers_t *headers,
                                                   void *opaque) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE(value, value_len),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}

#endif
