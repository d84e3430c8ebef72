namespace Weir.Broker.Metadata;

/// <summary>
/// Kafka's internal topics (<c>Topic.isInternal</c>): clients may read them, but Produce (except from
/// Kafka's admin client id), DeleteRecords and DeleteTopics on them are refused. The metadata log is
/// not among them: it is no topic at all (<see cref="MetadataLog"/>).
/// </summary>
public static class InternalTopics
{
    public const string ConsumerOffsets = "__consumer_offsets";

    public const string TransactionState = "__transaction_state";

    /// <summary>Kafka's <c>AdminUtils.ADMIN_CLIENT_ID</c>: the one client id whose Produce may write to internal topics.</summary>
    public const string AdminClientId = "__admin_client";

    public static bool IsInternal(string? topic) => topic is ConsumerOffsets or TransactionState;
}
