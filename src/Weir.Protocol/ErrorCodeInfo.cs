namespace Weir.Protocol;

/// <summary>One Kafka error code: its wire value, Kafka's UPPER_SNAKE name, whether a client may retry, and what it means.</summary>
public sealed record ErrorCodeInfo(ErrorCode Code, string KafkaName, bool IsRetriable, string Description);
