using Weir.Protocol;

namespace Weir.Coordinator.Group;

/// <summary>An append to <c>__consumer_offsets</c> failed with a Kafka error (e.g. NOT_LEADER_OR_FOLLOWER).</summary>
public sealed class GroupStoreException : Exception
{
    public GroupStoreException()
        : this(ErrorCode.UnknownServerError)
    {
    }

    public GroupStoreException(string message)
        : base(message)
    {
        Error = ErrorCode.UnknownServerError;
    }

    public GroupStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = ErrorCode.UnknownServerError;
    }

    public GroupStoreException(ErrorCode error)
        : base($"Append to __consumer_offsets failed: {error}.")
    {
        Error = error;
    }

    /// <summary>The partition's error.</summary>
    public ErrorCode Error { get; }
}
