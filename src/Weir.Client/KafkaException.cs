using Weir.Protocol;

namespace Weir.Client;

/// <summary>A request failed with a Kafka error code (from a broker, or the client's own, such as a timeout).</summary>
public class KafkaException : Exception
{
    public KafkaException(ErrorCode errorCode, string? message = null, Exception? innerException = null)
        : base(Describe(errorCode, message), innerException)
    {
        ErrorCode = errorCode;
    }

    public ErrorCode ErrorCode { get; }

    /// <summary>True when retrying the same operation may succeed (Kafka's retriable errors, broken connections).</summary>
    public bool IsRetriable => ErrorCode.IsRetriable();

    /// <summary>Throws when <paramref name="code"/> is an error.</summary>
    public static void ThrowIfError(short code, string? context = null, string? brokerMessage = null)
    {
        if (code != 0)
        {
            throw new KafkaException((ErrorCode)code, Join(context, brokerMessage));
        }
    }

    private static string? Join(string? context, string? brokerMessage) =>
        (context, brokerMessage) switch
        {
            (null, null) => null,
            (null, _) => brokerMessage,
            (_, null or "") => context,
            _ => context + ": " + brokerMessage,
        };

    private static string Describe(ErrorCode code, string? message)
    {
        var name = code.KafkaName();
        var what = ErrorCodes.Find((short)code)?.Description;
        return message is null or "" ? $"{name}: {what}" : $"{message} ({name}: {what})";
    }
}
