using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Protocol;

namespace Weir.Cli.Tools;

/// <summary>
/// <c>weir log-dirs</c> = kafka-log-dirs.sh <c>--describe</c>: asks each broker (all, or <c>--broker-list</c>) for
/// its log dirs and prints Kafka's JSON, each replica with its size and offset lag, optionally only the
/// topics of <c>--topic-list</c> (filtered here, as Kafka's LogDirsCommand does, after asking for all).
/// </summary>
internal static class LogDirsCommand
{
    private const string Tool = "kafka-log-dirs";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer();
        var commandConfig = ToolOptions.ConfigFile("--command-config", "Property file containing configs to be passed to Admin Client.");
        var describe = new Option<bool>("--describe") { Description = "Describe the specified log directories on the specified brokers." };
        var topicList = new Option<string?>("--topic-list") { Description = "The list of topics to be queried in the form \"topic1,topic2,topic3\". All topics will be queried if no topic list is specified" };
        var brokerList = new Option<string?>("--broker-list") { Description = "The list of brokers to be queried in the form \"0,1,2\". All brokers in the cluster will be queried if no broker list is specified" };
        var command = new Command("log-dirs", "Query log directory usage on the specified brokers (kafka-log-dirs.sh).") { bootstrap, commandConfig, describe, topicList, brokerList };
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            if (!parse.GetValue(describe))
            {
                throw new ToolException("Command must include --describe.");
            }

            var topics = Split(parse.GetValue(topicList));
            var requested = ParseBrokers(parse.GetValue(brokerList));
            await using var admin = AdminTool.Connect(parse.GetValue(bootstrap)!, parse.GetValue(commandConfig));
            var cluster = await admin.DescribeClusterAsync(cancellationToken).ConfigureAwait(false);
            var existing = new SortedSet<int>();
            foreach (var node in cluster.Brokers)
            {
                existing.Add(node.Id);
            }

            var brokers = requested ?? existing;
            var missing = new SortedSet<int>(brokers);
            missing.ExceptWith(existing);
            if (missing.Count > 0)
            {
                throw new ToolException($"ERROR: The given brokers do not exist from --broker-list: {string.Join(',', missing)}. Current existent brokers: {string.Join(',', existing)}");
            }

            Console.WriteLine("Querying brokers for log directories information");
            var described = await admin.DescribeLogDirsAsync(brokers, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"Received log directory information from brokers {string.Join(',', brokers)}");
            Console.WriteLine(FormatJson(described, topics));
            return 0;
        }));
        return command;
    }

    private static HashSet<string> Split(string? list)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result.Add(item);
        }

        return result;
    }

    private static SortedSet<int>? ParseBrokers(string? list)
    {
        if (list is null)
        {
            return null;
        }

        var result = new SortedSet<int>();
        foreach (var item in Split(list))
        {
            if (!int.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            {
                throw new ToolException($"Invalid broker id '{item}' in --broker-list.");
            }

            result.Add(id);
        }

        return result;
    }

    /// <summary>
    /// Kafka's JSON, keys in the order Kafka prints them; replicas sorted by topic and partition (Kafka's come
    /// in hash order); an error as the Java exception class Kafka's admin client would name.
    /// </summary>
    internal static string FormatJson(IReadOnlyDictionary<int, IReadOnlyDictionary<string, LogDirDescription>> described, IReadOnlySet<string> topics)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("brokers");
            foreach (var (broker, dirs) in described)
            {
                json.WriteStartObject();
                json.WriteNumber("broker", broker);
                json.WriteStartArray("logDirs");
                foreach (var dir in dirs.Values)
                {
                    json.WriteStartObject();
                    json.WriteStartArray("partitions");
                    var replicas = new List<KeyValuePair<TopicPartition, ReplicaInfo>>();
                    foreach (var replica in dir.Replicas)
                    {
                        if (topics.Count == 0 || topics.Contains(replica.Key.Topic))
                        {
                            replicas.Add(replica);
                        }
                    }

                    replicas.Sort(static (a, b) =>
                    {
                        var byTopic = string.CompareOrdinal(a.Key.Topic, b.Key.Topic);
                        return byTopic != 0 ? byTopic : a.Key.Partition.CompareTo(b.Key.Partition);
                    });
                    foreach (var (tp, info) in replicas)
                    {
                        json.WriteStartObject();
                        json.WriteString("partition", $"{tp.Topic}-{tp.Partition.ToString(CultureInfo.InvariantCulture)}");
                        json.WriteNumber("size", info.Size);
                        json.WriteNumber("offsetLag", info.OffsetLag);
                        json.WriteBoolean("isFuture", info.IsFuture);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    if (dir.Error == ErrorCode.None)
                    {
                        json.WriteNull("error");
                    }
                    else
                    {
                        json.WriteString("error", JavaExceptionName(dir.Error));
                    }

                    json.WriteString("logDir", dir.Path);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("version", 1);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Kafka names each error's exception after the error (KAFKA_STORAGE_ERROR: KafkaStorageException).</summary>
    private static string JavaExceptionName(ErrorCode error)
    {
        var name = error.ToString();
        if (name.EndsWith("Error", StringComparison.Ordinal))
        {
            name = name[..^"Error".Length];
        }

        return $"org.apache.kafka.common.errors.{name}Exception";
    }
}
