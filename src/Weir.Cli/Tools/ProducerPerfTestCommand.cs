using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Weir.Client.Producer;

namespace Weir.Cli.Tools;

/// <summary><c>weir producer-perf-test</c> = kafka-producer-perf-test.sh: Kafka's flags, progress lines and summary line.</summary>
internal static class ProducerPerfTestCommand
{
    private const string Tool = "kafka-producer-perf-test";

    public static Command Create()
    {
        var topic = new Option<string>("--topic") { Description = "Produce messages to this topic.", Required = true };
        var numRecords = new Option<long>("--num-records") { Description = "Number of messages to produce.", Required = true };
        var recordSize = new Option<int?>("--record-size") { Description = "Message size in bytes. Note that you must provide exactly one of --record-size or --payload-file." };
        var payloadFile = new Option<string?>("--payload-file") { Description = "File to read the message payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending messages." };
        var payloadDelimiter = new Option<string>("--payload-delimiter")
        {
            Description = "Provides delimiter to be used when --payload-file is provided. Defaults to new line.",
            DefaultValueFactory = _ => "\\n",
        };
        var throughput = new Option<double>("--throughput") { Description = "Throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.", Required = true };
        var producerProps = new Option<string[]>("--producer-props")
        {
            Description = "Kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --producer.config.",
            AllowMultipleArgumentsPerToken = true,
        };
        var producerConfig = ToolOptions.ConfigFile("--producer.config", "Producer config properties file.");
        var printMetrics = new Option<bool>("--print-metrics") { Description = "Print out metrics at the end of the test." };

        var command = new Command("producer-perf-test", "This tool is used to verify the producer performance (kafka-producer-perf-test.sh).")
        {
            topic, numRecords, recordSize, payloadFile, payloadDelimiter, throughput, producerProps, producerConfig, printMetrics,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(recordSize) is null) == (result.GetResult(payloadFile) is null))
            {
                result.AddError("Either --record-size or --payload-file must be specified but not both.");
            }

            if (result.GetResult(producerProps) is null && result.GetResult(producerConfig) is null)
            {
                result.AddError("Either --producer-props or --producer.config must be specified.");
            }
        });
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            var options = ProducerTool.Options(
                null,
                ToolOptions.LoadPropertiesFile(parse.GetValue(producerConfig)),
                ToolOptions.ParseProperties(parse.GetValue(producerProps), "--producer-props"),
                new Dictionary<string, string>(StringComparer.Ordinal),
                new Dictionary<string, string>(StringComparer.Ordinal));
            options.ClientId = "perf-producer-client";
            var payloads = Payloads(parse.GetValue(recordSize), parse.GetValue(payloadFile), parse.GetValue(payloadDelimiter)!);
            var count = parse.GetValue(numRecords);
            if (count <= 0)
            {
                throw new ToolException("--num-records must be greater than zero.");
            }

            return await RunAsync(options, parse.GetValue(topic)!, count, payloads, parse.GetValue(throughput), parse.GetValue(printMetrics), cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static byte[][] Payloads(int? recordSize, string? payloadFile, string delimiter)
    {
        if (recordSize is { } size)
        {
            if (size < 0)
            {
                throw new ToolException("--record-size must not be negative.");
            }

            // As Kafka: one random payload of upper-case letters, sent for every record.
            var payload = new byte[size];
            for (var i = 0; i < size; i++)
            {
                payload[i] = (byte)(Random.Shared.Next(26) + 65);
            }

            return [payload];
        }

        if (!File.Exists(payloadFile))
        {
            throw new ToolException($"File does not exist: {payloadFile}");
        }

        var text = File.ReadAllText(payloadFile!, Encoding.UTF8);
        var separator = delimiter.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);
        var parts = text.Split(separator, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new ToolException($"File is empty: {payloadFile}");
        }

        Console.WriteLine($"Number of messages read: {parts.Length}");
        var result = new byte[parts.Length][];
        for (var i = 0; i < parts.Length; i++)
        {
            result[i] = Encoding.UTF8.GetBytes(parts[i]);
        }

        return result;
    }

    private static async Task<int> RunAsync(ProducerOptions options, string topic, long count, byte[][] payloads, double throughput, bool printMetrics, CancellationToken cancellationToken)
    {
        var stats = new PerfStats(count, 5000);
        var start = Stopwatch.GetTimestamp();
        var producer = new KafkaProducer(options);
        await using (producer.ConfigureAwait(false))
        {
            for (long i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
            {
                var payload = payloads.Length == 1 ? payloads[0] : payloads[Random.Shared.Next(payloads.Length)];
                var sendStart = Stopwatch.GetTimestamp();
                producer.Produce(topic, default, true, payload, false, stats, PerfStats.Pack(sendStart, payload.Length));
                if (throughput > 0)
                {
                    Throttle(start, i + 1, throughput);
                }
            }

            await producer.FlushAsync(cancellationToken).ConfigureAwait(false);
            stats.PrintTotal();
            if (printMetrics)
            {
                PrintMetrics(producer, stats);
            }
        }

        return stats.Errors == 0 ? 0 : 1;
    }

    /// <summary>Kafka's ThroughputThrottler: sleep while ahead of the target rate.</summary>
    private static void Throttle(long start, long sent, double throughput)
    {
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var ahead = (sent / throughput) - elapsed;
        if (ahead > 0.002)
        {
            Thread.Sleep(TimeSpan.FromSeconds(ahead));
        }
    }

    private static void PrintMetrics(KafkaProducer producer, PerfStats stats)
    {
        Console.WriteLine();
        Console.WriteLine("Metric Name                                                              Value");
        var o = producer.Options;
        void Line(string name, string value) => Console.WriteLine($"{name,-72} : {value}");
        Line("producer-metrics:record-send-total:{client-id=" + o.ClientId + "}", stats.Count.ToString(CultureInfo.InvariantCulture));
        Line("producer-metrics:record-error-total:{client-id=" + o.ClientId + "}", stats.Errors.ToString(CultureInfo.InvariantCulture));
        Line("producer-metrics:batch-size-max:{client-id=" + o.ClientId + "}", o.BatchSize.ToString(CultureInfo.InvariantCulture));
        Line("producer-metrics:compression-type:{client-id=" + o.ClientId + "}", o.Compression.ToString().ToLowerInvariant());
        Line("producer-metrics:idempotence:{client-id=" + o.ClientId + "}", producer.IsIdempotent ? "true" : "false");
    }
}
