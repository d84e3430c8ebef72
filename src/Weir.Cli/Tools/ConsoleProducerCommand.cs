using System.CommandLine;
using System.Text;
using Weir.Client;
using Weir.Client.Producer;

namespace Weir.Cli.Tools;

/// <summary><c>weir console-producer</c> = kafka-console-producer.sh: one record per line of stdin, with Kafka's flags and line format.</summary>
internal static class ConsoleProducerCommand
{
    private const string Tool = "kafka-console-producer";

    public static Command Create()
    {
        var bootstrap = ToolOptions.BootstrapServer("--broker-list");
        var topic = new Option<string>("--topic") { Description = "REQUIRED: The topic id to produce messages to.", Required = true };
        var property = new Option<string[]>("--property")
        {
            Description = "A mechanism to pass user-defined properties in the form key=value to the message reader: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error.",
        };
        var producerProperty = new Option<string[]>("--producer-property") { Description = "A mechanism to pass user-defined properties in the form key=value to the producer." };
        var producerConfig = ToolOptions.ConfigFile("--producer.config", "Producer config properties file. Note that [producer-property] takes precedence over this config.");
        var compression = new Option<string?>("--compression-codec")
        {
            Description = "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var acks = new Option<string?>("--request-required-acks") { Description = "The required acks of the producer requests (default: -1)." };
        var sync = new Option<bool>("--sync") { Description = "If set message send requests to the brokers are synchronously, one at a time as they arrive." };
        var batchSize = new Option<string?>("--batch-size") { Description = "Number of messages to send in a single batch if they are not being sent synchronously (default: 16384)." };
        var timeout = new Option<string?>("--timeout") { Description = "If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms (default: 1000)." };
        var retries = new Option<string?>("--message-send-max-retries") { Description = "Number of retries before the producer gives up and drops this message (default: 3)." };
        var retryBackoff = new Option<string?>("--retry-backoff-ms") { Description = "Before each retry, the producer refreshes the metadata of relevant topics (default: 100)." };
        var requestTimeout = new Option<string?>("--request-timeout-ms") { Description = "The ack timeout of the producer requests (default: 1500)." };
        var maxBlock = new Option<string?>("--max-block-ms") { Description = "The max time that the producer will block for during a send request (default: 60000)." };
        var maxMemory = new Option<string?>("--max-memory-bytes") { Description = "The total memory used by the producer to buffer records waiting to be sent to the server (default: 33554432)." };
        var metadataExpiry = new Option<string?>("--metadata-expiry-ms") { Description = "The period of time in milliseconds after which we force a refresh of metadata (default: 300000)." };

        var command = new Command("console-producer", "Read data from standard input and publish it to Kafka (kafka-console-producer.sh).")
        {
            bootstrap, topic, property, producerProperty, producerConfig, compression, acks, sync, batchSize, timeout, retries, retryBackoff,
            requestTimeout, maxBlock, maxMemory, metadataExpiry,
        };
        ToolOptions.RejectZooKeeper(command);
        command.SetAction((parse, cancellationToken) => ToolRunner.RunAsync(Tool, async () =>
        {
            var flags = new Dictionary<string, string>(StringComparer.Ordinal);
            void Flag(Option<string?> option, string name)
            {
                if (parse.GetValue(option) is { } value)
                {
                    flags[name] = value;
                }
            }

            Flag(acks, "acks");
            Flag(batchSize, "batch.size");
            Flag(timeout, "linger.ms");
            Flag(retries, "retries");
            Flag(retryBackoff, "retry.backoff.ms");
            Flag(requestTimeout, "request.timeout.ms");
            Flag(maxBlock, "max.block.ms");
            Flag(maxMemory, "buffer.memory");
            Flag(metadataExpiry, "metadata.max.age.ms");
            if (parse.GetResult(compression) is not null)
            {
                flags["compression.type"] = parse.GetValue(compression) is { Length: > 0 } codec ? codec : "gzip";
            }

            var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["acks"] = "-1",
                ["batch.size"] = "16384",

                // --timeout (linger) applies to asynchronous mode only: --sync sends each line at once.
                ["linger.ms"] = parse.GetValue(sync) ? "0" : "1000",
                ["retries"] = "3",
                ["request.timeout.ms"] = "1500",
            };
            var options = ProducerTool.Options(
                parse.GetValue(bootstrap),
                ToolOptions.LoadPropertiesFile(parse.GetValue(producerConfig)),
                ToolOptions.ParseProperties(parse.GetValue(producerProperty), "--producer-property"),
                defaults,
                flags);
            var reader = new LineReader(ToolOptions.ParseProperties(parse.GetValue(property), "--property"));
            return await RunAsync(options, parse.GetValue(topic)!, reader, parse.GetValue(sync), cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static async Task<int> RunAsync(ProducerOptions options, string topic, LineReader reader, bool sync, CancellationToken cancellationToken)
    {
        var failed = 0;
        using var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
        var prompt = !Console.IsInputRedirected;
        await using (var producer = new KafkaProducer(options))
        {
            void OnDelivery(RecordMetadata? metadata, Exception? error, byte[]? key, byte[]? value)
            {
                if (error is not null)
                {
                    Interlocked.Increment(ref failed);
                    var keyText = key is null ? "null" : Encoding.UTF8.GetString(key);
                    Console.Error.WriteLine($"[{Tool}] Error when sending message to topic {topic} with key: {keyText}, value: {value?.Length ?? -1} bytes with error: {error.Message}");
                }
            }

            var lineNumber = 0;
            while (true)
            {
                if (prompt)
                {
                    await Console.Out.WriteAsync('>').ConfigureAwait(false);
                    await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                var line = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (line is null)
                {
                    break;
                }

                lineNumber++;
                var (key, value, headers) = reader.Parse(line, lineNumber);
                if (sync)
                {
                    try
                    {
                        await producer.ProduceAsync(topic, key, value, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (KafkaException ex)
                    {
                        OnDelivery(null, ex, key, value);
                    }
                }
                else
                {
                    producer.Produce(topic, key, value, (m, e) => OnDelivery(m, e, key, value), headers);
                }
            }

            await producer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>Kafka's LineMessageReader: [headers&lt;headers.delimiter&gt;][key&lt;key.separator&gt;]value.</summary>
    private sealed class LineReader
    {
        private readonly bool _parseKey;
        private readonly string _keySeparator = "\t";
        private readonly bool _parseHeaders;
        private readonly string _headersDelimiter = "\t";
        private readonly string _headersSeparator = ",";
        private readonly string _headerKeySeparator = ":";
        private readonly string? _nullMarker;
        private readonly bool _ignoreError;

        public LineReader(Dictionary<string, string> props)
        {
            foreach (var (name, value) in props)
            {
                switch (name)
                {
                    case "parse.key": _parseKey = IsTrue(value); break;
                    case "key.separator": _keySeparator = value; break;
                    case "parse.headers": _parseHeaders = IsTrue(value); break;
                    case "headers.delimiter": _headersDelimiter = value; break;
                    case "headers.separator": _headersSeparator = value; break;
                    case "headers.key.separator": _headerKeySeparator = value; break;
                    case "null.marker": _nullMarker = value; break;
                    case "ignore.error": _ignoreError = IsTrue(value); break;
                    default: break;
                }
            }

            if (_nullMarker is not null && (_nullMarker == _keySeparator || _nullMarker == _headersDelimiter || _nullMarker == _headersSeparator || _nullMarker == _headerKeySeparator))
            {
                throw new ToolException($"null.marker '{_nullMarker}' cannot be the same as a separator or delimiter.");
            }

            if (_parseHeaders && _headersSeparator.Contains(_headerKeySeparator, StringComparison.Ordinal))
            {
                throw new ToolException("headers.key.separator and headers.separator may not be equal");
            }
        }

        public (byte[]? Key, byte[]? Value, RecordHeader[]? Headers) Parse(string line, int lineNumber)
        {
            RecordHeader[]? headers = null;
            var rest = line;
            if (_parseHeaders)
            {
                var index = rest.IndexOf(_headersDelimiter, StringComparison.Ordinal);
                if (index < 0)
                {
                    if (!_ignoreError)
                    {
                        throw new ToolException($"No headers delimiter found on line number {lineNumber}: '{line}'");
                    }
                }
                else
                {
                    headers = ParseHeaders(rest[..index], lineNumber);
                    rest = rest[(index + _headersDelimiter.Length)..];
                }
            }

            byte[]? key = null;
            if (_parseKey)
            {
                var index = rest.IndexOf(_keySeparator, StringComparison.Ordinal);
                if (index < 0)
                {
                    if (!_ignoreError)
                    {
                        throw new ToolException($"No key separator found on line number {lineNumber}: '{line}'");
                    }
                }
                else
                {
                    key = Bytes(rest[..index]);
                    rest = rest[(index + _keySeparator.Length)..];
                }
            }

            return (key, Bytes(rest), headers);
        }

        private RecordHeader[]? ParseHeaders(string text, int lineNumber)
        {
            if (text == _nullMarker)
            {
                return null;
            }

            var parts = text.Split(_headersSeparator);
            var headers = new RecordHeader[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                var index = parts[i].IndexOf(_headerKeySeparator, StringComparison.Ordinal);
                var name = index < 0 ? parts[i] : parts[i][..index];
                if (name == _nullMarker)
                {
                    throw new ToolException($"Header keys can not be equal to the null.marker '{_nullMarker}' on line number {lineNumber}: '{text}'");
                }

                headers[i] = new RecordHeader(name, index < 0 ? null : Bytes(parts[i][(index + _headerKeySeparator.Length)..]));
            }

            return headers;
        }

        private byte[]? Bytes(string text) => text == _nullMarker ? null : Encoding.UTF8.GetBytes(text);

        private static bool IsTrue(string value) => value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase);
    }
}
