using System.Diagnostics.CodeAnalysis;

namespace Weir.Protocol.Primitives;

/// <summary>
/// Bytes that cannot be a valid Kafka message: truncated, a negative length that is not the null
/// marker, a varint that never ends. The connection that sent them is closed; this is never
/// answered with an error code, because the request cannot be trusted enough to answer.
/// </summary>
public sealed class ProtocolException : Exception
{
    public ProtocolException(string message)
        : base(message)
    {
    }

    public ProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }

    [DoesNotReturn]
    public static void ThrowTruncated(int needed, int remaining) =>
        throw new ProtocolException($"Message truncated: needed {needed} more bytes but only {remaining} remain.");

    [DoesNotReturn]
    public static void ThrowInvalidLength(string what, long length) =>
        throw new ProtocolException($"Invalid {what} length {length}.");

    [DoesNotReturn]
    public static void ThrowMalformedVarInt() =>
        throw new ProtocolException("Malformed varint: more than the allowed number of bytes.");
}
