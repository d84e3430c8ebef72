using System.Buffers.Binary;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Snapshots;

namespace Weir.Cli.Tools;

/// <summary>
/// <c>weir dump-log</c> = kafka-dump-log.sh: prints the batches (and with --deep-iteration /
/// --print-data-log the records) of .log segments and .checkpoint metadata snapshots, and the entries of .index / .timeindex files,
/// reading the files directly as Kafka's DumpLogSegments does.
/// </summary>
internal static class DumpLogCommand
{
    private const string Tool = "kafka-dump-log";

    public static Command Create()
    {
        var files = new Option<string>("--files") { Description = "REQUIRED: The comma separated list of data and index log files to be dumped.", Required = true };
        var printData = new Option<bool>("--print-data-log") { Description = "If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified." };
        var deep = new Option<bool>("--deep-iteration") { Description = "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled." };
        var verify = new Option<bool>("--verify-index-only") { Description = "If set, just verify the index log without printing its content." };
        var maxBytes = new Option<int>("--max-bytes") { Description = "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).", DefaultValueFactory = _ => int.MaxValue };
        var command = new Command("dump-log", "Dump log segments and index files (kafka-dump-log.sh).") { files, printData, deep, verify, maxBytes };
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, () =>
        {
            var print = parse.GetValue(printData);
            var output = new StringBuilder();
            foreach (var file in parse.GetValue(files)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!File.Exists(file))
                {
                    throw new ToolException($"File '{file}' does not exist.");
                }

                output.Append("Dumping ").Append(file).Append('\n');
                var extension = Path.GetExtension(file);
                switch (extension)
                {
                    case ".log":
                    case SnapshotFiles.Suffix:
                        DumpLog(file, print || parse.GetValue(deep), print, parse.GetValue(maxBytes), output);
                        break;
                    case ".index":
                        DumpIndex(file, output, time: false, parse.GetValue(verify));
                        break;
                    case ".timeindex":
                        DumpIndex(file, output, time: true, parse.GetValue(verify));
                        break;
                    default:
                        output.Append("Ignoring unknown file ").Append(file).Append('\n');
                        break;
                }

                Console.Write(output.ToString());
                output.Clear();
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>The base offset a segment or index file is named after (20 digits), 0 if the name is not one.</summary>
    private static long BaseOffset(string file) =>
        long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : 0;

    internal static void DumpLog(string file, bool deep, bool printData, int maxBytes, StringBuilder output)
    {
        var bytes = File.ReadAllBytes(file);
        if (SnapshotFiles.TryParse(Path.GetFileName(file), out var snapshot, out _, out _))
        {
            // A metadata snapshot (KIP-630): record batches like a segment's, named by end offset and epoch.
            output.Append("Snapshot end offset: ").Append(snapshot.EndOffset).Append(", epoch: ").Append(snapshot.Epoch).Append('\n');
        }
        else
        {
            output.Append("Log starting offset: ").Append(BaseOffset(file)).Append('\n');
        }

        var position = 0;
        while (position + RecordBatchHeader.LogOverhead <= bytes.Length && position < maxBytes)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position + RecordBatchHeader.BatchLengthOffset));
            var size = RecordBatchHeader.LogOverhead + length;
            if (length <= 0 || position + size > bytes.Length || size < RecordBatchHeader.Size)
            {
                if (length > 0 || bytes.AsSpan(position).ContainsAnyExcept((byte)0))
                {
                    output.Append("Found ").Append(bytes.Length - position).Append(" invalid bytes at the end of ").Append(Path.GetFileName(file)).Append('\n');
                }

                break;
            }

            var batch = bytes.AsSpan(position, size);
            var header = new RecordBatchHeader(batch);
            var valid = RecordBatch.Validate(batch) == RecordBatchError.None;
            var timeType = header.IsLogAppendTime ? "LogAppendTime" : "CreateTime";
            output.Append("baseOffset: ").Append(header.BaseOffset)
                .Append(" lastOffset: ").Append(header.LastOffset)
                .Append(" count: ").Append(header.RecordsCount)
                .Append(" baseSequence: ").Append(header.BaseSequence)
                .Append(" lastSequence: ").Append(header.BaseSequence < 0 ? -1 : header.BaseSequence + header.LastOffsetDelta)
                .Append(" producerId: ").Append(header.ProducerId)
                .Append(" producerEpoch: ").Append(header.ProducerEpoch)
                .Append(" partitionLeaderEpoch: ").Append(header.PartitionLeaderEpoch)
                .Append(" isTransactional: ").Append(header.IsTransactional ? "true" : "false")
                .Append(" isControl: ").Append(header.IsControl ? "true" : "false")
                .Append(" deleteHorizonMs: ").Append(header.HasDeleteHorizon ? $"OptionalLong[{header.BaseTimestamp}]" : "OptionalLong.empty")
                .Append(" position: ").Append(position)
                .Append(' ').Append(timeType).Append(": ").Append(header.MaxTimestamp)
                .Append(" size: ").Append(size)
                .Append(" magic: ").Append(header.Magic)
                .Append(" compresscodec: ").Append(CodecName(header.Compression))
                .Append(" crc: ").Append(header.Crc)
                .Append(" isvalid: ").Append(valid ? "true" : "false")
                .Append('\n');

            if (deep && valid)
            {
                DumpRecords(batch, header.BaseSequence, header.IsControl, timeType, printData, output);
            }

            position += size;
        }
    }

    private static void DumpRecords(ReadOnlySpan<byte> batch, int baseSequence, bool control, string timeType, bool printData, StringBuilder output)
    {
        using var records = RecordBatch.ReadRecords(batch);
        foreach (var record in records)
        {
            output.Append("| offset: ").Append(record.Offset)
                .Append(' ').Append(timeType).Append(": ").Append(record.Timestamp)
                .Append(" keySize: ").Append(record.IsKeyNull ? -1 : record.Key.Length)
                .Append(" valueSize: ").Append(record.IsValueNull ? -1 : record.Value.Length)
                .Append(" sequence: ").Append(baseSequence < 0 ? -1 : baseSequence + record.OffsetDelta)
                .Append(" headerKeys: [");
            var first = true;
            foreach (var h in record.Headers)
            {
                output.Append(first ? "" : ",").Append(Encoding.UTF8.GetString(h.Key));
                first = false;
            }

            output.Append(']');
            if (control && !record.IsKeyNull && record.Key.Length >= 4)
            {
                var type = BinaryPrimitives.ReadInt16BigEndian(record.Key[2..]);
                AppendControl(output, (ControlRecordType)type, record.Value);
            }
            else if (printData)
            {
                if (!record.IsKeyNull)
                {
                    output.Append(" key: ").Append(Encoding.UTF8.GetString(record.Key));
                }

                output.Append(" payload: ").Append(record.IsValueNull ? "" : Encoding.UTF8.GetString(record.Value));
            }

            output.Append('\n');
        }
    }

    /// <summary>A control record as Kafka's tool prints it: transaction markers, and the snapshot header and footer as JSON.</summary>
    private static void AppendControl(StringBuilder output, ControlRecordType type, ReadOnlySpan<byte> value)
    {
        var reader = new KafkaReader(value);
        switch (type)
        {
            case ControlRecordType.Abort or ControlRecordType.Commit:
                output.Append(" endTxnMarker: ").Append(type == ControlRecordType.Abort ? "ABORT" : "COMMIT");
                break;
            case ControlRecordType.SnapshotHeader when value.Length > 0:
                var header = SnapshotHeaderRecord.Read(ref reader, 0);
                output.Append(" SnapshotHeader {\"version\":").Append(header.Version)
                    .Append(",\"lastContainedLogTimestamp\":").Append(header.LastContainedLogTimestamp).Append('}');
                break;
            case ControlRecordType.SnapshotFooter when value.Length > 0:
                output.Append(" SnapshotFooter {\"version\":").Append(SnapshotFooterRecord.Read(ref reader, 0).Version).Append('}');
                break;
            case ControlRecordType.KRaftVersion when value.Length > 0:
                var kraft = KRaftVersionRecord.Read(ref reader, 0);
                output.Append(" KRaftVersion {\"version\":").Append(kraft.Version).Append(",\"kRaftVersion\":").Append(kraft.KRaftVersion).Append('}');
                break;
            case ControlRecordType.KRaftVoters when value.Length > 0:
                AppendVoters(output, VotersRecord.Read(ref reader, 0));
                break;
            default:
                output.Append(" controlType: ").Append(type).Append('(').Append((short)type).Append(')');
                break;
        }
    }

    /// <summary>A VotersRecord as Kafka's VotersRecordJsonConverter writes it.</summary>
    private static void AppendVoters(StringBuilder output, VotersRecord voters)
    {
        output.Append(" KRaftVoters {\"version\":").Append(voters.Version).Append(",\"voters\":[");
        for (var i = 0; i < voters.Voters.Count; i++)
        {
            var voter = voters.Voters[i];
            output.Append(i == 0 ? "" : ",").Append("{\"voterId\":").Append(voter.VoterId)
                .Append(",\"voterDirectoryId\":\"").Append(KafkaUuid.ToText(voter.VoterDirectoryId)).Append("\",\"endpoints\":[");
            for (var j = 0; j < voter.Endpoints.Count; j++)
            {
                var endpoint = voter.Endpoints[j];
                output.Append(j == 0 ? "" : ",").Append("{\"name\":").Append(JsonSerializer.Serialize(endpoint.Name))
                    .Append(",\"host\":").Append(JsonSerializer.Serialize(endpoint.Host)).Append(",\"port\":").Append(endpoint.Port).Append('}');
            }

            output.Append("],\"kRaftVersionFeature\":{\"minSupportedVersion\":").Append(voter.KRaftVersionFeature.MinSupportedVersion)
                .Append(",\"maxSupportedVersion\":").Append(voter.KRaftVersionFeature.MaxSupportedVersion).Append("}}");
        }

        output.Append("]}");
    }

    /// <summary>Offset index entries (relative offset, position) or time index entries (timestamp, relative offset); the zero-filled tail of a preallocated index ends the list.</summary>
    internal static void DumpIndex(string file, StringBuilder output, bool time, bool verifyOnly)
    {
        var bytes = File.ReadAllBytes(file);
        var baseOffset = BaseOffset(file);
        var entrySize = time ? 12 : 8;
        for (var i = 0; (i + 1) * entrySize <= bytes.Length; i++)
        {
            var entry = bytes.AsSpan(i * entrySize, entrySize);
            if (time)
            {
                var timestamp = BinaryPrimitives.ReadInt64BigEndian(entry);
                var offset = baseOffset + BinaryPrimitives.ReadInt32BigEndian(entry[8..]);
                if (i > 0 && timestamp == 0 && offset == baseOffset)
                {
                    break;
                }

                if (!verifyOnly)
                {
                    output.Append("timestamp: ").Append(timestamp).Append(" offset: ").Append(offset).Append('\n');
                }
            }
            else
            {
                var offset = baseOffset + BinaryPrimitives.ReadInt32BigEndian(entry);
                var position = BinaryPrimitives.ReadInt32BigEndian(entry[4..]);
                if (i > 0 && offset == baseOffset)
                {
                    break;
                }

                if (!verifyOnly)
                {
                    output.Append("offset: ").Append(offset).Append(" position: ").Append(position).Append('\n');
                }
            }
        }
    }

    private static string CodecName(CompressionType type) => type switch
    {
        CompressionType.None => "none",
        CompressionType.Gzip => "gzip",
        CompressionType.Snappy => "snappy",
        CompressionType.Lz4 => "lz4",
        CompressionType.Zstd => "zstd",
        _ => "unknown",
    };
}
