using Weir.Protocol;

namespace Weir.Client.Admin;

/// <summary>The outcome of an admin operation on one item (a topic, a group, a config resource).</summary>
public readonly record struct AdminResult(ErrorCode Error, string? ErrorMessage = null)
{
    public static readonly AdminResult Success = new(ErrorCode.None);

    public bool IsSuccess => Error == ErrorCode.None;

    /// <summary>Throws a <see cref="KafkaException"/> naming <paramref name="what"/> when this is an error.</summary>
    public void ThrowIfError(string what)
    {
        if (Error != ErrorCode.None)
        {
            throw new KafkaException(Error, ErrorMessage is null or "" ? what : $"{what}: {ErrorMessage}");
        }
    }
}
