using System.CommandLine;
using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Weir.Broker;
using Weir.Broker.Config;

namespace Weir.Cli;

/// <summary>
/// <c>weir start [server.properties] [--override name=value]...</c>: runs a broker until Ctrl-C or
/// SIGTERM. With no file: a single node on localhost:9092 with its data in ./weir-data.
/// </summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var configArg = new Argument<string?>("server.properties")
        {
            Description = "A Kafka server.properties file (Kafka's config names). Optional.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var overrides = new Option<string[]>("--override")
        {
            Description = "Override one setting, name=value (repeatable), as kafka-server-start.sh does.",
        };
        var command = new Command("start", "Start a broker (single node on localhost:9092 by default).") { configArg, overrides };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(configArg), parse.GetValue(overrides) ?? [], cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? configPath, string[] overrideArgs, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        BrokerConfig config;
        try
        {
            var overrides = ParseOverrides(overrideArgs);
            if (configPath is null)
            {
                var props = new Dictionary<string, string>
                {
                    ["listeners"] = "PLAINTEXT://localhost:9092",
                    ["log.dirs"] = Path.Combine(Environment.CurrentDirectory, "weir-data"),
                    // As Kafka's sample server.properties: a lone developer's consumer should not
                    // wait 3 s for group members that will never come.
                    ["group.initial.rebalance.delay.ms"] = "0",
                };
                foreach (var (k, v) in overrides)
                {
                    props[k] = v;
                }

                config = BrokerConfig.FromProperties(props);
            }
            else
            {
                config = BrokerConfig.Load(configPath, overrides);
            }
        }
        catch (ConfigException ex)
        {
            await Console.Error.WriteLineAsync($"weir: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        foreach (var warning in config.Warnings)
        {
            await Console.Error.WriteLineAsync($"weir: warning: {warning}").ConfigureAwait(false);
        }

        BrokerHost host;
        try
        {
            host = await BrokerHost.StartAsync(config, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"weir: could not start: {ex.Message.Replace("http://", string.Empty, StringComparison.Ordinal)}{StartFailureHint(ex)}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // The real cause (a full disk, a read-only or unwritable log dir, another node's meta.properties), not the port.
            await Console.Error.WriteLineAsync($"weir: could not start: {ex.Message.Replace("http://", string.Empty, StringComparison.Ordinal)}").ConfigureAwait(false);
            return 1;
        }
        catch (ConfigException ex)
        {
            await Console.Error.WriteLineAsync($"weir: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        await using (host.ConfigureAwait(false))
        {
            var listening = string.Join(", ", host.BoundEndPoints);
            Console.WriteLine($"Weir broker {config.NodeId} ready in {clock.ElapsedMilliseconds} ms: listening on {listening}, data in {string.Join(", ", config.LogDirs)}");
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine("Weir broker stopping");
        }

        return 0;
    }

    /// <summary>What to do about a failed start: only a taken port is about the port.</summary>
    private static string StartFailureHint(IOException ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } || e.GetType().Name == "AddressInUseException")
            {
                return " Is another broker already using the port? Pass --override listeners=PLAINTEXT://localhost:PORT.";
            }

            // EMFILE (24): segments take three descriptors a partition.
            if ((e.HResult & 0xFFFF) == 24 || e.Message.Contains("Too many open files", StringComparison.Ordinal))
            {
                return $" The open file limit ({Broker.Network.FileDescriptors.SoftLimit}) is too low for the partitions in the data directory: raise it (ulimit -n, or LimitNOFILE= for a systemd service).";
            }
        }

        return string.Empty;
    }

    private static Dictionary<string, string> ParseOverrides(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ConfigException($"--override '{arg}' is not name=value.");
            }

            result[arg[..eq].Trim()] = arg[(eq + 1)..].Trim();
        }

        return result;
    }
}
