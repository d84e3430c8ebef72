using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Raft.Tests.Simulation;

/// <summary>Encodes a message at its version and decodes it again, as a real network would: proves the node only uses fields the versions carry.</summary>
internal static class MessageCodec
{
    public static RaftMessage RoundTrip(RaftMessage message)
    {
        var bytes = new byte[message.Body.ComputeSize(message.Version)];
        var writer = new KafkaWriter(bytes);
        message.Body.Write(ref writer, message.Version);
        var reader = new KafkaReader(bytes);
        var version = message.Version;
        IKafkaMessage body = (message.ApiKey, message.IsResponse) switch
        {
            (ApiKey.Vote, false) => VoteRequest.Read(ref reader, version),
            (ApiKey.Vote, true) => VoteResponse.Read(ref reader, version),
            (ApiKey.BeginQuorumEpoch, false) => BeginQuorumEpochRequest.Read(ref reader, version),
            (ApiKey.BeginQuorumEpoch, true) => BeginQuorumEpochResponse.Read(ref reader, version),
            (ApiKey.EndQuorumEpoch, false) => EndQuorumEpochRequest.Read(ref reader, version),
            (ApiKey.EndQuorumEpoch, true) => EndQuorumEpochResponse.Read(ref reader, version),
            (ApiKey.Fetch, false) => FetchRequest.Read(ref reader, version),
            (ApiKey.Fetch, true) => FetchResponse.Read(ref reader, version),
            (ApiKey.FetchSnapshot, false) => FetchSnapshotRequest.Read(ref reader, version),
            (ApiKey.FetchSnapshot, true) => FetchSnapshotResponse.Read(ref reader, version),
            _ => throw new InvalidOperationException($"unexpected {message}"),
        };
        if (reader.Remaining != 0)
        {
            throw new InvalidOperationException($"{message}: {reader.Remaining} bytes left after decoding");
        }
        return message with { Body = body };
    }
}
