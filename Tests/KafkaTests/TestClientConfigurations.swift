import Kafka

/// Client settings the Kafka suites share: a producer that sends at once (`linger`) and a group
/// consumer with a session short enough for tests.
func testProducerConfiguration(_ bootstrap: String, linger: Int = 1) -> KafkaProducerConfiguration {
    var configuration = KafkaProducerConfiguration(
        client: KafkaClientConfiguration(bootstrapServers: bootstrap, clientID: "test-producer"))
    configuration.lingerMilliseconds = linger
    return configuration
}

func testConsumerConfiguration(_ bootstrap: String, group: String) -> KafkaConsumerConfiguration {
    var configuration = KafkaConsumerConfiguration(
        client: KafkaClientConfiguration(bootstrapServers: bootstrap, clientID: "test-consumer"), groupID: group)
    configuration.sessionTimeoutMilliseconds = 6000
    return configuration
}
