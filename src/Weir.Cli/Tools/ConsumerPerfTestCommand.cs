using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Weir.Client.Consumer;

namespace Weir.Cli.Tools;

/// <summary><c>weir consumer-perf-test</c>: kafka-consumer-perf-test.sh, with its flags and report lines.</summary>
internal static class ConsumerPerfTestCommand
{
    private const string Header = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
    private const string DetailedHeader = "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer("--broker-list");
        var topic = new Option<string>("--topic") { Description = "REQUIRED: The topic to consume from.", Required = true };
        var messages = new Option<long>("--messages") { Description = "REQUIRED: The number of messages to consume.", Required = true };
        var group = new Option<string?>("--group") { Description = "The group id to consume on. (default: perf-consumer-NNNNN)" };
        var fetchSize = new Option<int>("--fetch-size") { Description = "The amount of data to fetch in a single request.", DefaultValueFactory = _ => 1048576 };
        var fromLatest = new Option<bool>("--from-latest") { Description = "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message." };
        var timeout = new Option<long>("--timeout") { Description = "The maximum allowed time in milliseconds between returned records.", DefaultValueFactory = _ => 10000 };
        var detailed = new Option<bool>("--show-detailed-stats") { Description = "If set, stats are reported for each reporting interval as configured by reporting-interval" };
        var interval = new Option<long>("--reporting-interval") { Description = "Interval in milliseconds at which to print progress info.", DefaultValueFactory = _ => 5000 };
        var hideHeader = new Option<bool>("--hide-header") { Description = "If set, skips printing the header for the stats" };
        var dateFormat = new Option<string>("--date-format") { Description = "The date format to use for formatting the time field.", DefaultValueFactory = _ => "yyyy-MM-dd HH:mm:ss:SSS" };
        var consumerConfig = ToolOptions.ConfigFile("--consumer.config", "Consumer config properties file.");
        var commandConfig = ToolOptions.ConfigFile("--command-config", "Consumer config properties file.");
        var printMetrics = new Option<bool>("--print-metrics") { Description = "Print out the metrics.", Hidden = true };
        var threads = new Option<int?>("--threads", "--num-fetch-threads", "--socket-buffer-size") { Hidden = true };
        var command = new Command("consumer-perf-test", "Measure how fast records can be consumed (kafka-consumer-perf-test.sh).")
        {
            bootstrap, topic, messages, group, fetchSize, fromLatest, timeout, detailed, interval, hideHeader, dateFormat, consumerConfig, commandConfig, printMetrics, threads,
        };
        ToolOptions.RejectZooKeeper(command);
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync("kafka-consumer-perf-test", () =>
        {
            var options = new ConsumerOptions { BootstrapServers = parse.GetValue(bootstrap)!, ClientId = "perf-consumer-client" };
            var properties = ToolOptions.LoadPropertiesFile(parse.GetValue(consumerConfig) ?? parse.GetValue(commandConfig));
            foreach (var (name, value) in properties)
            {
                if (!options.TrySet(name, value))
                {
                    Console.Error.WriteLine($"WARN The configuration '{name}' was supplied but isn't a known config.");
                }
            }

            options.GroupId = parse.GetValue(group) ?? options.GroupId ?? "perf-consumer-" + Random.Shared.Next(100000).ToString(CultureInfo.InvariantCulture);
            options.MaxPartitionFetchBytes = parse.GetValue(fetchSize);
            if (!properties.ContainsKey("auto.offset.reset"))
            {
                options.AutoOffsetReset = parse.GetValue(fromLatest) ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest;
            }

            var run = new Run(
                parse.GetValue(topic)!,
                parse.GetValue(messages),
                parse.GetValue(timeout),
                parse.GetValue(detailed),
                parse.GetValue(interval),
                parse.GetValue(hideHeader),
                JavaDateFormat(parse.GetValue(dateFormat)!));
            return RunAsync(options, run, cancellationToken);
        }));
        return command;
    }

    private sealed record Run(string Topic, long Messages, long TimeoutMs, bool Detailed, long ReportingIntervalMs, bool HideHeader, string DateFormat);

    private static async Task<int> RunAsync(ConsumerOptions options, Run run, CancellationToken cancellationToken)
    {
        if (!run.HideHeader)
        {
            Console.WriteLine(run.Detailed ? DetailedHeader : Header);
        }

        await using var consumer = new KafkaConsumer(options);
        var clock = Stopwatch.StartNew();
        long joinStart = 0;
        long joinTimeMs = 0;
        long joinTimeSinceLastReport = 0;
        consumer.PartitionsAssigned = _ =>
        {
            joinTimeMs += clock.ElapsedMilliseconds - joinStart;
            joinTimeSinceLastReport += clock.ElapsedMilliseconds - joinStart;
            return Task.CompletedTask;
        };
        consumer.PartitionsRevoked = _ =>
        {
            joinStart = clock.ElapsedMilliseconds;
            return Task.CompletedTask;
        };
        var startTime = DateTimeOffset.Now;
        consumer.Subscribe([run.Topic]);

        long messages = 0;
        long bytes = 0;
        long lastReportedMessages = 0;
        long lastReportedBytes = 0;
        var lastReportMs = 0L;
        var lastConsumedMs = clock.ElapsedMilliseconds;
        var endMs = lastConsumedMs;
        var buffer = new ConsumeResult[options.MaxPollRecords];
        while (messages < run.Messages && clock.ElapsedMilliseconds - lastConsumedMs <= run.TimeoutMs)
        {
            var count = await consumer.PollAsync(buffer, TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            var now = clock.ElapsedMilliseconds;
            if (count > 0)
            {
                lastConsumedMs = now;
            }

            for (var i = 0; i < count; i++)
            {
                ref readonly var record = ref buffer[i];
                messages++;
                bytes += record.Key.Length + record.Value.Length;
                if (run.Detailed && now - lastReportMs >= run.ReportingIntervalMs)
                {
                    PrintProgress(run, startTime, clock.ElapsedMilliseconds, lastReportMs, bytes, lastReportedBytes, messages, lastReportedMessages, joinTimeSinceLastReport);
                    joinTimeSinceLastReport = 0;
                    lastReportMs = now;
                    lastReportedBytes = bytes;
                    lastReportedMessages = messages;
                }
            }

            endMs = clock.ElapsedMilliseconds;
        }

        if (messages < run.Messages)
        {
            await Console.Error.WriteLineAsync($"WARN Exiting before consuming the expected number of messages: timeout ({run.TimeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.").ConfigureAwait(false);
        }

        if (!run.Detailed)
        {
            var elapsedSecs = endMs / 1000.0;
            var fetchTimeMs = endMs - joinTimeMs;
            var mb = bytes / (1024.0 * 1024.0);
            Console.WriteLine(string.Format(
                CultureInfo.InvariantCulture,
                "{0}, {1}, {2:0.0000}, {3:0.0000}, {4}, {5:0.0000}, {6}, {7}, {8:0.0000}, {9:0.0000}",
                startTime.ToString(run.DateFormat, CultureInfo.InvariantCulture),
                startTime.AddMilliseconds(endMs).ToString(run.DateFormat, CultureInfo.InvariantCulture),
                mb,
                Rate(mb, elapsedSecs),
                messages,
                Rate(messages, elapsedSecs),
                joinTimeMs,
                fetchTimeMs,
                Rate(mb, fetchTimeMs / 1000.0),
                Rate(messages, fetchTimeMs / 1000.0)));
        }

        return 0;
    }

    private static void PrintProgress(Run run, DateTimeOffset start, long nowMs, long lastMs, long bytes, long lastBytes, long messages, long lastMessages, long joinTimeSinceLastReport)
    {
        var elapsed = nowMs - lastMs;
        var mb = bytes / (1024.0 * 1024.0);
        var intervalMb = (bytes - lastBytes) / (1024.0 * 1024.0);
        var intervalMessages = messages - lastMessages;
        var fetchTime = elapsed - joinTimeSinceLastReport;
        Console.WriteLine(string.Format(
            CultureInfo.InvariantCulture,
            "{0}, {1}, {2:0.0000}, {3:0.0000}, {4}, {5:0.0000}, {6}, {7}, {8:0.0000}, {9:0.0000}",
            start.AddMilliseconds(nowMs).ToString(run.DateFormat, CultureInfo.InvariantCulture),
            0,
            mb,
            Rate(intervalMb, elapsed / 1000.0),
            messages,
            Rate(intervalMessages, elapsed / 1000.0),
            joinTimeSinceLastReport,
            fetchTime,
            Rate(intervalMb, fetchTime / 1000.0),
            Rate(intervalMessages, fetchTime / 1000.0)));
    }

    /// <summary>Java prints NaN / Infinity for an empty interval; so do we, spelled as Java spells them.</summary>
    private static string Rate(double amount, double seconds)
    {
        var rate = amount / seconds;
        return double.IsNaN(rate) ? "NaN" : double.IsInfinity(rate) ? (rate > 0 ? "Infinity" : "-Infinity") : rate.ToString("0.0000", CultureInfo.InvariantCulture);
    }

    /// <summary>Java's SimpleDateFormat letters to .NET's (the ones the default format and common ones use).</summary>
    private static string JavaDateFormat(string java) => java.Replace("SSS", "fff", StringComparison.Ordinal).Replace("a", "tt", StringComparison.Ordinal);
}
