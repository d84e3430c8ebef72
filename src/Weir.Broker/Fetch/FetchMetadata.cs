namespace Weir.Broker.Fetch;

/// <summary>KIP-227's reserved session id and epochs, and how an epoch advances.</summary>
public static class FetchMetadata
{
    /// <summary>"No session": asked for by a full fetch, answered when none was created.</summary>
    public const int InvalidSessionId = 0;

    /// <summary>A full fetch that asks for a new session.</summary>
    public const int InitialEpoch = 0;

    /// <summary>A full fetch that wants no session (and closes the one named, if any).</summary>
    public const int FinalEpoch = -1;

    /// <summary>The epoch after <paramref name="epoch"/>: wraps to 1 (0 means "new session"), and stays final once final.</summary>
    public static int NextEpoch(int epoch) => epoch < 0 ? FinalEpoch : epoch == int.MaxValue ? 1 : epoch + 1;
}
