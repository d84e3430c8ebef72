using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Weir.Cli.Tools.ConsoleConsumer;
using Weir.Client;
using Weir.Client.Consumer;

namespace Weir.Cli.Tools;

/// <summary><c>weir console-consumer</c>: kafka-console-consumer.sh, with its flags and output.</summary>
internal static class ConsoleConsumerCommand
{
    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer();
        var topic = new Option<string?>("--topic") { Description = "The topic to consume on." };
        var include = new Option<string?>("--include", "--whitelist") { Description = "Regular expression specifying list of topics to include for consumption." };
        var partition = new Option<int?>("--partition") { Description = "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified." };
        var offset = new Option<string?>("--offset") { Description = "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)." };
        var group = new Option<string?>("--group") { Description = "The consumer group id of the consumer." };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message." };
        var maxMessages = new Option<int?>("--max-messages") { Description = "The maximum number of messages to consume before exiting. If not set, consumption is continual." };
        var timeoutMs = new Option<int?>("--timeout-ms") { Description = "If specified, exit if no message is available for consumption for the specified interval." };
        var property = new Option<string[]>("--property") { Description = "The properties to initialize the message formatter: print.timestamp, print.key, print.offset, print.partition, print.headers, print.value, key.separator, line.separator, headers.separator, null.literal." };
        var consumerProperty = new Option<string[]>("--consumer-property") { Description = "A mechanism to pass user-defined properties in the form key=value to the consumer." };
        var consumerConfig = ToolOptions.ConfigFile("--consumer.config", "Consumer config properties file. Note that --consumer-property takes precedence over this config.");
        var isolation = new Option<string?>("--isolation-level") { Description = "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)" };
        var skipOnError = new Option<bool>("--skip-message-on-error") { Description = "If there is an error when processing a message, skip it instead of halt." };
        var formatter = new Option<string?>("--formatter") { Description = "The name of a class to use for formatting kafka messages for display. Only the default formatter is supported.", Hidden = true };
        var keyDeserializer = new Option<string?>("--key-deserializer") { Hidden = true };
        var valueDeserializer = new Option<string?>("--value-deserializer") { Hidden = true };

        var command = new Command("console-consumer", "Read records from topics and print them (kafka-console-consumer.sh).")
        {
            bootstrap, topic, include, partition, offset, group, fromBeginning, maxMessages, timeoutMs, property, consumerProperty, consumerConfig,
            isolation, skipOnError, formatter, keyDeserializer, valueDeserializer,
        };
        ToolOptions.RejectZooKeeper(command);
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync("kafka-console-consumer", () =>
        {
            var settings = new Settings(
                parse.GetValue(bootstrap)!,
                parse.GetValue(topic),
                parse.GetValue(include),
                parse.GetValue(partition),
                parse.GetValue(offset),
                parse.GetValue(group),
                parse.GetValue(fromBeginning),
                parse.GetValue(maxMessages),
                parse.GetValue(timeoutMs),
                ToolOptions.ParseProperties(parse.GetValue(property), "--property"),
                ToolOptions.LoadPropertiesFile(parse.GetValue(consumerConfig)),
                ToolOptions.ParseProperties(parse.GetValue(consumerProperty), "--consumer-property"),
                parse.GetValue(isolation));
            return RunAsync(settings, cancellationToken);
        }));
        return command;
    }

    private sealed record Settings(
        string Bootstrap,
        string? Topic,
        string? Include,
        int? Partition,
        string? Offset,
        string? Group,
        bool FromBeginning,
        int? MaxMessages,
        int? TimeoutMs,
        Dictionary<string, string> FormatterProperties,
        Dictionary<string, string> ConfigFile,
        Dictionary<string, string> ConsumerProperties,
        string? IsolationLevel);

    private static async Task<int> RunAsync(Settings s, CancellationToken cancellationToken)
    {
        if ((s.Topic is null) == (s.Include is null))
        {
            throw new ToolException("Exactly one of --include/--topic is required.");
        }

        if (s.Partition is not null)
        {
            if (s.Topic is null)
            {
                throw new ToolException("The topic is required when partition is specified.");
            }

            if (s.FromBeginning && s.Offset is not null)
            {
                throw new ToolException("Options from-beginning and offset cannot be specified together.");
            }
        }
        else if (s.Offset is not null)
        {
            throw new ToolException("The partition is required when offset is specified.");
        }

        long? startOffset = null; // -2 earliest, -1 latest, else the offset
        if (s.Partition is not null)
        {
            startOffset = s.FromBeginning ? -2 : ParseOffset(s.Offset ?? "latest");
        }

        var options = new ConsumerOptions { BootstrapServers = s.Bootstrap, ClientId = "console-consumer" };
        var properties = new Dictionary<string, string>(s.ConfigFile, StringComparer.Ordinal);
        foreach (var (name, value) in s.ConsumerProperties)
        {
            properties[name] = value;
        }

        if (s.Group is not null && properties.TryGetValue("group.id", out var configured) && configured != s.Group)
        {
            throw new ToolException("The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. "
                + $"Detected group ids: '{s.Group}', '{configured}'");
        }

        if (s.FromBeginning && properties.TryGetValue("auto.offset.reset", out var reset) && reset != "earliest")
        {
            throw new ToolException($"Can't simultaneously specify --from-beginning and 'auto.offset.reset={reset}', to make sure the consumer starts from the beginning.");
        }

        foreach (var (name, value) in properties)
        {
            if (!options.TrySet(name, value))
            {
                await Console.Error.WriteLineAsync($"WARN The configuration '{name}' was supplied but isn't a known config.").ConfigureAwait(false);
            }
        }

        if (s.Group is not null)
        {
            options.GroupId = s.Group;
        }
        else if (options.GroupId is null)
        {
            // As Kafka: a throwaway group, whose offsets are not committed unless asked for.
            options.GroupId = "console-consumer-" + Random.Shared.Next(100000).ToString(CultureInfo.InvariantCulture);
            if (!properties.ContainsKey("enable.auto.commit"))
            {
                options.EnableAutoCommit = false;
            }
        }

        if (!properties.ContainsKey("auto.offset.reset"))
        {
            options.AutoOffsetReset = s.FromBeginning ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest;
        }

        if (s.IsolationLevel is not null)
        {
            options.TrySet("isolation.level", s.IsolationLevel);
        }

        var formatter = new MessageFormatter(s.FormatterProperties);
        var count = 0L;
        var output = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
        var consumer = new KafkaConsumer(options);
        try
        {
            if (s.Partition is { } p)
            {
                var tp = new TopicPartition(s.Topic!, p);
                var topicMetadata = await consumer.Cluster.GetTopicAsync(tp.Topic, false, cancellationToken).ConfigureAwait(false);
                if (p < 0 || p >= topicMetadata.Partitions.Count)
                {
                    throw new ToolException($"Partition {p} of topic {tp.Topic} does not exist (it has {topicMetadata.Partitions.Count}).");
                }

                consumer.Assign([tp]);
                switch (startOffset)
                {
                    case -2: consumer.SeekToBeginning([tp]); break;
                    case -1: consumer.SeekToEnd([tp]); break;
                    default: consumer.Seek(tp, startOffset!.Value); break;
                }
            }
            else if (s.Topic is not null)
            {
                consumer.Subscribe([s.Topic]);
            }
            else
            {
                consumer.Subscribe(IncludePattern(s.Include!));
            }

            var max = s.MaxMessages is { } m and >= 0 ? m : long.MaxValue;
            var idle = s.TimeoutMs is { } t and >= 0 ? TimeSpan.FromMilliseconds(t) : Timeout.InfiniteTimeSpan;
            // The idle clock starts once the group has given us partitions: a broker's
            // group.initial.rebalance.delay.ms (3 s by default) is not time without records to read.
            var lastRecord = Environment.TickCount64;
            var joined = s.Partition is not null;
            if (!joined)
            {
                consumer.PartitionsAssigned = _ =>
                {
                    if (!joined)
                    {
                        joined = true;
                        lastRecord = Environment.TickCount64;
                    }

                    return Task.CompletedTask;
                };
            }

            while (count < max)
            {
                var wait = idle == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(Math.Max(0, lastRecord + (long)idle.TotalMilliseconds - Environment.TickCount64));
                var records = await consumer.PollAsync(wait, cancellationToken).ConfigureAwait(false);
                if (records.Count == 0)
                {
                    if (!joined)
                    {
                        lastRecord = Environment.TickCount64;
                    }
                    else if (idle != Timeout.InfiniteTimeSpan && Environment.TickCount64 - lastRecord >= (long)idle.TotalMilliseconds)
                    {
                        await Console.Error.WriteLineAsync("ERROR Error processing message, terminating consumer process: (kafka.tools.ConsoleConsumer$)\norg.apache.kafka.common.errors.TimeoutException").ConfigureAwait(false);
                        break;
                    }

                    continue;
                }

                lastRecord = Environment.TickCount64;
                foreach (var record in records)
                {
                    if (count >= max)
                    {
                        // Do not commit past what was printed.
                        consumer.Seek(record.TopicPartition, record.Offset);
                        break;
                    }

                    formatter.Write(output, record);
                    count++;
                }

                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: close cleanly below, as Kafka's shutdown hook does.
        }
        finally
        {
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await consumer.DisposeAsync().ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"Processed a total of {count} messages").ConfigureAwait(false);
        }

        return 0;
    }

    private static long ParseOffset(string value) => value.Trim().ToLowerInvariant() switch
    {
        "earliest" => -2,
        "latest" => -1,
        var n when long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) => offset,
        _ => throw new ToolException($"The offset is invalid: '{value}'. Use a non-negative number, 'earliest' or 'latest'."),
    };

    /// <summary>Kafka's IncludeList: commas mean alternatives, quotes and spaces are dropped, the whole name must match.</summary>
    internal static Regex IncludePattern(string raw)
    {
        var cleaned = Regex.Replace(Regex.Replace(raw.Trim().Replace(',', '|').Replace(" ", string.Empty, StringComparison.Ordinal), "^[\"']+", string.Empty), "[\"']+$", string.Empty);
        try
        {
            return new Regex("^(?:" + cleaned + ")$", RegexOptions.CultureInvariant);
        }
        catch (ArgumentException)
        {
            throw new ToolException($"{raw} is an invalid regex.");
        }
    }
}
