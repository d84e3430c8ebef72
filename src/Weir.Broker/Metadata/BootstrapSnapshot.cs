using Weir.Broker.Startup;
using Weir.Protocol.Compression;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Snapshots;

namespace Weir.Broker.Metadata;

/// <summary>
/// The bootstrap snapshot <c>format --standalone</c> / <c>--initial-controllers</c> writes (KIP-853), as
/// Kafka 4's Formatter does through RecordsSnapshotWriter: <c>__cluster_metadata-0/00000000000000000000-0000000000.checkpoint</c>
/// (end offset 0, epoch 0) holding one control batch with the SnapshotHeaderRecord, the KRaftVersionRecord and
/// the VotersRecord (offsets 0-2), then a control batch with the SnapshotFooterRecord (offset 3). No metadata
/// records: <see cref="MetadataLog.Replay"/> loads it as an empty image and the log starts at 0.
/// </summary>
public static class BootstrapSnapshot
{
    /// <summary>Kafka's Snapshots.BOOTSTRAP_SNAPSHOT_ID.</summary>
    public static readonly SnapshotId Id = new(0, 0);

    /// <summary>The kraft.version range every voter is written with (Kafka's DynamicVoter.toVoterNode).</summary>
    private const short MinSupportedKRaftVersion = 0;
    private const short MaxSupportedKRaftVersion = 1;

    public static string PartitionDirectory(string metadataLogDir) =>
        Path.Combine(metadataLogDir, $"{MetadataLog.Partition.Topic}-{MetadataLog.Partition.Partition}");

    /// <summary>Writes the snapshot for <paramref name="request"/>; its part file is renamed into place only when whole.</summary>
    public static void Write(BootstrapSnapshotRequest request, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var builder = new RecordBatchBuilder();
        using var buffer = new PooledBufferWriter();
        builder.IsControl = true;
        builder.PartitionLeaderEpoch = Id.Epoch;
        builder.BaseOffset = 0;
        builder.Append(now, MetadataLog.ControlKey(ControlRecordType.SnapshotHeader), MetadataLog.Serialize(new SnapshotHeaderRecord { Version = 0, LastContainedLogTimestamp = now }, 0));

        // As RecordsSnapshotWriter: kraft.version 0 has neither record (and a voter set there is a bug).
        if (request.KRaftVersion > 0)
        {
            builder.Append(now, MetadataLog.ControlKey(ControlRecordType.KRaftVersion), MetadataLog.Serialize(new KRaftVersionRecord { Version = 0, KRaftVersion = request.KRaftVersion }, 0));
            builder.Append(now, MetadataLog.ControlKey(ControlRecordType.KRaftVoters), MetadataLog.Serialize(VotersRecordOf(request), 0));
        }

        builder.Build(buffer);
        var footerOffset = builder.BaseOffset + builder.RecordsCount;
        using var writer = RawSnapshotWriter.Create(PartitionDirectory(request.MetadataDirectory), Id);
        writer.Append(buffer.WrittenMemory.Span);

        builder.Reset();
        builder.IsControl = true;
        builder.PartitionLeaderEpoch = Id.Epoch;
        builder.BaseOffset = footerOffset;
        builder.Append(now, MetadataLog.ControlKey(ControlRecordType.SnapshotFooter), MetadataLog.Serialize(new SnapshotFooterRecord { Version = 0 }, 0));
        buffer.Clear();
        builder.Build(buffer);
        writer.Append(buffer.WrittenMemory.Span);
        writer.Freeze();
    }

    /// <summary>
    /// The kraft.version and voters the bootstrap snapshot of <paramref name="metadataLogDir"/> holds; null when
    /// there is no such snapshot, (0, null) for one without the records.
    /// </summary>
    public static (short KRaftVersion, VotersRecord? Voters)? Read(string metadataLogDir)
    {
        var directory = PartitionDirectory(metadataLogDir);
        if (!File.Exists(SnapshotFiles.PathOf(directory, Id)))
        {
            return null;
        }

        using var reader = RawSnapshotReader.Open(directory, Id);
        if (reader is null)
        {
            return null;
        }

        short kraftVersion = 0;
        VotersRecord? voters = null;
        reader.ForEachBatch(batch =>
        {
            if (!new RecordBatchHeader(batch).IsControl)
            {
                return;
            }

            using var records = RecordBatch.ReadRecords(batch);
            foreach (var record in records)
            {
                if (record.IsKeyNull || !ControlRecord.TryReadType(record.Key, out var type))
                {
                    continue;
                }

                var value = new KafkaReader(record.Value);
                if (type == ControlRecordType.KRaftVersion)
                {
                    kraftVersion = KRaftVersionRecord.Read(ref value, 0).KRaftVersion;
                }
                else if (type == ControlRecordType.KRaftVoters)
                {
                    voters = VotersRecord.Read(ref value, 0);
                }
            }
        });
        return (kraftVersion, voters);
    }

    // Kafka normalises the listener name (upper case), as listener names are matched everywhere.
    private static VotersRecord VotersRecordOf(BootstrapSnapshotRequest request)
    {
        var voters = new List<VotersRecord.Voter>(request.Voters.Voters.Count);
        foreach (var voter in request.Voters.Voters)
        {
            voters.Add(new VotersRecord.Voter
            {
                VoterId = voter.NodeId,
                VoterDirectoryId = KafkaUuid.ToGuid(voter.DirectoryId),
                Endpoints = [new VotersRecord.Endpoint { Name = request.ControllerListenerName.ToUpperInvariant(), Host = voter.Host, Port = (ushort)voter.Port }],
                KRaftVersionFeature = new VotersRecord.KRaftVersionFeature { MinSupportedVersion = MinSupportedKRaftVersion, MaxSupportedVersion = MaxSupportedKRaftVersion },
            });
        }

        return new VotersRecord { Version = 0, Voters = voters };
    }
}
