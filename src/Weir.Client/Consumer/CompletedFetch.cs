using Weir.Protocol.Messages;

namespace Weir.Client.Consumer;

/// <summary>One partition's records from a fetch response, waiting to be decoded by the consuming flow.</summary>
internal sealed record CompletedFetch(
    PartitionState State,
    int Epoch,
    long FetchOffset,
    ReadOnlyMemory<byte> Records,
    List<FetchResponse.AbortedTransaction>? AbortedTransactions);
