using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Weir.Client;
using Weir.Client.Consumer;
using Weir.Protocol;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// A bounded, seeded produce fuzz: valid v2 batches mutated in their counts, offset deltas, length
/// prefixes, varints and compressed payloads, with correct CRCs. Every batch the broker
/// acknowledges must be one the reference decoder (our RecordEnumerator plus explicit invariants)
/// accepts, at the next offset; every batch it refuses must leave the log end where it was; and
/// kcat, kafka-python and Weir.Client must then read back exactly the reference's records.
/// Replay a failure with WEIR_FUZZ_SEED=&lt;seed printed in the message&gt;.
/// </summary>
public sealed class ProduceFuzzTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const int Batches = 300;

    private static readonly CompressionType[] Codecs = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    private sealed record Expected(long Offset, byte[]? Key, byte[]? Value);

    [Fact]
    public async Task Acknowledged_mutated_batches_read_back_identically_and_refused_ones_leave_the_log_untouched()
    {
        var seed = Environment.GetEnvironmentVariable("WEIR_FUZZ_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : 20261202;
        var random = new Random(seed);
        var topic = "fuzz-" + Guid.NewGuid().ToString("N")[..8];
        using var connection = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        await CreateTopicAsync(connection, topic);
        var log = broker.Host.Services.GetRequiredService<BrokerRuntime>().Replicas.Get(topic, 0)!.Log;

        var expected = new List<Expected>();
        var acked = 0;
        var mutationsSeen = new HashSet<string>();
        for (var i = 0; i < Batches; i++)
        {
            var (batch, mutation) = MutatedBatch(random);
            var endBefore = log.LogEndOffset;
            var response = await ProduceValidationTests.ProduceAsync(connection, topic, batch);
            var reference = ReferenceDecode(batch);
            var context = $"seed {seed}, batch {i}, mutation {mutation}: broker said {(ErrorCode)response.ErrorCode} ({response.ErrorMessage}), reference {(reference is null ? "refuses" : $"accepts {reference.Count} records")}";
            mutationsSeen.Add(mutation);
            if (response.ErrorCode == 0)
            {
                Assert.True(reference is not null, context);
                Assert.True(response.BaseOffset == endBefore, $"{context}; base offset {response.BaseOffset}, log end was {endBefore}");
                Assert.True(log.LogEndOffset == endBefore + reference.Count, $"{context}; log end {log.LogEndOffset}");
                for (var r = 0; r < reference.Count; r++)
                {
                    expected.Add(new Expected(endBefore + r, reference[r].Key, reference[r].Value));
                }

                acked++;
                if (Environment.GetEnvironmentVariable("WEIR_FUZZ_DUMP") is { Length: > 0 } dump)
                {
                    Directory.CreateDirectory(dump);
                    File.WriteAllBytes(Path.Combine(dump, $"{i}-{mutation.Replace('/', '-')}.bin"), batch);
                }
            }
            else
            {
                Assert.True(reference is null, context);
                Assert.True(log.LogEndOffset == endBefore, $"{context}; log end moved to {log.LogEndOffset}");
                Assert.True(response.ErrorCode is (short)ErrorCode.InvalidRecord or (short)ErrorCode.CorruptMessage, context);
            }
        }

        // Enough of both outcomes that the readers have something to disagree about.
        Assert.True(acked >= Batches / 5 && acked <= Batches * 4 / 5, $"seed {seed}: {acked} of {Batches} acknowledged");
        Assert.True(mutationsSeen.Count >= 8, $"seed {seed}: mutations {string.Join(", ", mutationsSeen)}");

        AssertSame(seed, "Weir.Client", expected, await ReadWithWeirClientAsync(topic, expected.Count));
        AssertSame(seed, "kcat", expected, await ReadWithKcatAsync(topic));
        AssertSame(seed, "kafka-python", expected, await ReadWithKafkaPythonAsync(topic));
    }

    private static void AssertSame(int seed, string reader, List<Expected> expected, List<Expected> actual)
    {
        Assert.True(expected.Count == actual.Count, $"seed {seed}: {reader} read {actual.Count} records, expected {expected.Count}");
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.True(
                e.Offset == a.Offset && Same(e.Key, a.Key) && Same(e.Value, a.Value),
                $"seed {seed}: {reader} record {i}: offset {a.Offset} key {Show(a.Key)} value {Show(a.Value)}, expected offset {e.Offset} key {Show(e.Key)} value {Show(e.Value)}");
        }
    }

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static string Show(byte[]? bytes) => bytes is null ? "null" : Convert.ToHexString(bytes);

    /// <summary>
    /// The records a broker may store for this batch, or null when it must be refused: a valid
    /// v2 header and CRC, not control, recordsCount &gt; 0 and equal to lastOffsetDelta + 1, and
    /// exactly that many well-formed records whose offset deltas are 0, 1, 2, ... and whose
    /// (unused) attributes are 0.
    /// </summary>
    private static List<(byte[]? Key, byte[]? Value)>? ReferenceDecode(byte[] batch)
    {
        if (RecordBatch.Validate(batch) != RecordBatchError.None)
        {
            return null;
        }

        var header = new RecordBatchHeader(batch);
        if (header.IsControl || header.RecordsCount <= 0 || header.LastOffsetDelta != header.RecordsCount - 1)
        {
            return null;
        }

        if (RecordBatch.TryReadRecords(batch, out var records, 32 << 20) != RecordBatchError.None)
        {
            return null;
        }

        using (records)
        {
            var result = new List<(byte[]? Key, byte[]? Value)>();
            var enumerator = records.GetEnumerator();
            RecordBatchError error;
            while (enumerator.TryMoveNext(out error))
            {
                var record = enumerator.Current;
                if (record.OffsetDelta != result.Count || record.Attributes != 0)
                {
                    return null;
                }

                result.Add((record.IsKeyNull ? null : record.Key.ToArray(), record.IsValueNull ? null : record.Value.ToArray()));
            }

            return error == RecordBatchError.None && result.Count == header.RecordsCount ? result : null;
        }
    }

    /// <summary>A valid batch of 1-8 ASCII records, then (mostly) one mutation; CRCs are recomputed.</summary>
    private static (byte[] Batch, string Mutation) MutatedBatch(Random random)
    {
        var count = random.Next(1, 9);
        var records = new CraftedRecord[count];
        for (var i = 0; i < count; i++)
        {
            records[i] = new CraftedRecord(i, random.Next(10) == 0 ? null : Ascii(random, 1, 12), random.Next(20) == 0 ? null : Ascii(random, 0, 40), i);
        }

        var codec = Codecs[random.Next(Codecs.Length)];
        int? recordsCount = null;
        int? lastOffsetDelta = null;
        string mutation;
        switch (random.Next(10))
        {
            case 0:
            case 1:
                mutation = "none";
                break;
            case 2:
                recordsCount = Pick(random, count);
                mutation = "recordsCount";
                break;
            case 3:
                lastOffsetDelta = Pick(random, count - 1);
                mutation = "lastOffsetDelta";
                break;
            case 4:
                var at = random.Next(count);
                records[at] = records[at] with { OffsetDelta = Pick(random, at) };
                mutation = "offsetDelta";
                break;
            case 5:
                at = random.Next(count);
                records[at] = records[at] with { LengthSkew = random.Next(2) == 0 ? random.Next(-3, 4) : random.Next(-200, 200) };
                mutation = "lengthPrefix";
                break;
            case 6:
                // Drop or duplicate a record without touching the header.
                records = random.Next(2) == 0 && count > 1 ? records[..^1] : [.. records, records[^1] with { OffsetDelta = count }];
                recordsCount = count;
                lastOffsetDelta = count - 1;
                mutation = "recordsPresent";
                break;
            case 7:
                return (FlipStructureByte(random, records, codec), "varintByte");
            case 8 when codec != CompressionType.None:
                return (FlipCompressedByte(random, records, codec), "compressedByte");
            case 8:
                return (Bomb(random), "bomb");
            default:
                return (TrailingBytes(random, records, codec), "trailingBytes");
        }

        return (CraftedBatches.Build(records, recordsCount, lastOffsetDelta, codec), $"{mutation}/{codec}");
    }

    /// <summary>An off-by-small or wild replacement for <paramref name="correct"/>.</summary>
    private static int Pick(Random random, int correct) => random.Next(6) switch
    {
        0 => correct + 1,
        1 => correct - 1,
        2 => 0,
        3 => int.MaxValue,
        4 => -1,
        _ => random.Next(-5, 2000),
    };

    private static string Ascii(Random random, int min, int max)
    {
        var chars = new char[random.Next(min, max + 1)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)('a' + random.Next(26));
        }

        return new string(chars);
    }

    /// <summary>One byte of a record's leading varints (length, attributes, deltas, key length) or its header count, replaced.</summary>
    private static byte[] FlipStructureByte(Random random, CraftedRecord[] records, CompressionType codec)
    {
        var encoded = records.Select(r => CraftedBatches.EncodeRecords([r])).ToArray();
        var at = random.Next(encoded.Length);
        var target = encoded[at];
        var position = random.Next(4) == 0 ? target.Length - 1 : random.Next(Math.Min(5, target.Length));
        target[position] = (byte)random.Next(256);
        var payload = Compress(codec, [.. encoded.SelectMany(e => e)]);
        return CraftedBatches.WithPayload(payload, records.Length, records.Length - 1, (short)codec, 1_700_000_000_000, 1_700_000_000_000 + records.Length);
    }

    private static byte[] FlipCompressedByte(Random random, CraftedRecord[] records, CompressionType codec)
    {
        var payload = Compress(codec, CraftedBatches.EncodeRecords(records));
        payload[random.Next(payload.Length)] ^= (byte)random.Next(1, 256);
        return CraftedBatches.WithPayload(payload, records.Length, records.Length - 1, (short)codec, 1_700_000_000_000, 1_700_000_000_000 + records.Length);
    }

    private static byte[] TrailingBytes(Random random, CraftedRecord[] records, CompressionType codec)
    {
        var extra = new byte[random.Next(1, 8)];
        random.NextBytes(extra);
        var payload = Compress(codec, [.. CraftedBatches.EncodeRecords(records), .. extra]);
        return CraftedBatches.WithPayload(payload, records.Length, records.Length - 1, (short)codec, 1_700_000_000_000, 1_700_000_000_000 + records.Length);
    }

    /// <summary>zstd zeros past the broker's 32 MiB bound (or, now and then, under it: zeros are not records either).</summary>
    private static byte[] Bomb(Random random)
    {
        var blocks = random.Next(2) == 0 ? 300 : random.Next(1, 4);
        return CraftedBatches.WithPayload(CraftedBatches.ZstdZeros(blocks), 1, 0, (short)CompressionType.Zstd, 0, 0);
    }

    private static byte[] Compress(CompressionType codec, byte[] records)
    {
        using var output = new PooledBufferWriter();
        CompressionCodecs.Compress(codec, records, output);
        return output.WrittenSpan.ToArray();
    }

    private async Task<List<Expected>> ReadWithWeirClientAsync(string topic, int count)
    {
        await using var consumer = new KafkaConsumer(new ConsumerOptions { BootstrapServers = broker.Bootstrap, EnableAutoCommit = false, FetchMaxWait = TimeSpan.FromMilliseconds(50) });
        var partition = new TopicPartition(topic, 0);
        consumer.Assign([partition]);
        consumer.Seek(partition, 0);
        var result = new List<Expected>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (result.Count < count && DateTime.UtcNow < deadline)
        {
            foreach (var record in await consumer.PollAsync(TimeSpan.FromMilliseconds(200)))
            {
                result.Add(new Expected(record.Offset, record.GetKeyArray(), record.GetValueArray()));
            }
        }

        return result;
    }

    /// <summary>
    /// kcat prints "offset keylen valuelen\n" then the raw key and value and "\n" per record,
    /// piped through od so every byte arrives exactly (lengths are -1 for null).
    /// </summary>
    private async Task<List<Expected>> ReadWithKcatAsync(string topic)
    {
        var command = $"kcat -b {broker.Bootstrap} -X broker.address.family=v4 -C -t {topic} -p 0 -o beginning -e -q -f '%o %K %S\\n%k%s\\n' | od -An -v -tx1";
        var run = await ProcessRunner.RunAsync("bash", ["-o", "pipefail", "-c", command], timeout: TimeSpan.FromSeconds(120));
        Assert.True(run.ExitCode == 0, run.ToString());
        var bytes = Convert.FromHexString(string.Concat(run.StdOut.Where(Uri.IsHexDigit)));
        var result = new List<Expected>();
        var position = 0;
        while (position < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', position);
            var fields = Encoding.ASCII.GetString(bytes, position, newline - position).Split(' ');
            position = newline + 1;
            var offset = long.Parse(fields[0], CultureInfo.InvariantCulture);
            var keyLength = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var valueLength = int.Parse(fields[2], CultureInfo.InvariantCulture);
            var key = keyLength < 0 ? null : bytes.AsSpan(position, keyLength).ToArray();
            position += Math.Max(keyLength, 0);
            var value = valueLength < 0 ? null : bytes.AsSpan(position, valueLength).ToArray();
            position += Math.Max(valueLength, 0) + 1;
            result.Add(new Expected(offset, key, value));
        }

        return result;
    }

    private async Task<List<Expected>> ReadWithKafkaPythonAsync(string topic)
    {
        var json = await PythonClient.RunAsync("kafka_python_dump.py", broker.Bootstrap, topic, "0");
        var result = new List<Expected>();
        foreach (var record in json.GetProperty("records").EnumerateArray())
        {
            var key = record[1].GetString();
            var value = record[2].GetString();
            result.Add(new Expected(record[0].GetInt64(), key is null ? null : Convert.FromHexString(key), value is null ? null : Convert.FromHexString(value)));
        }

        return result;
    }

    private static async Task CreateTopicAsync(RawConnection connection, string topic)
    {
        var create = new Protocol.Messages.CreateTopicsRequest { timeoutMs = 5000 };
        create.Topics.Add(new Protocol.Messages.CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 });
        var created = await connection.RequestAsync<Protocol.Messages.CreateTopicsResponse>(ApiKey.CreateTopics, 7, create);
        Assert.Equal(0, Assert.Single(created.Topics).ErrorCode);
    }
}
