using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Client.Producer;

namespace Weir.RestartBench;

/// <summary>
/// Restart benchmark: for each partition count, a real `weir start` process gets a few records in
/// every partition, is stopped cleanly and restarted (ready time, resident memory), gets a few more
/// records, is killed with SIGKILL and restarted again; both restarts are printed side by side, with
/// a check that every acknowledged record is still there.
/// Usage: dotnet run -c Release --project bench/Weir.RestartBench -- [--partitions 1000,10000]
///        [--records 3] [--weir path/to/weir.dll] [--recovery-threads N] [--clean-only true]
/// </summary>
internal static partial class Program
{
    private const int PartitionsPerTopic = 1000;
    private const int Sigterm = 15;

    private static async Task<int> Main(string[] args)
    {
        var counts = new[] { 1000, 10000 };
        var records = 3;
        string? weir = null;
        string? threads = null;
        var cleanOnly = false;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--partitions": counts = [.. args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--records": records = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--weir": weir = args[i + 1]; break;
                case "--recovery-threads": threads = args[i + 1]; break;
                case "--clean-only": cleanOnly = args[i + 1] == "true"; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        weir ??= FindWeir();
        Console.WriteLine($"weir: {weir}; {Environment.ProcessorCount} cores; {records} records per partition before each restart");
        var rows = new List<string>();
        var ok = true;
        foreach (var n in counts)
        {
            var (row, good) = await RunAsync(weir, n, records, threads, cleanOnly);
            rows.Add(row);
            ok &= good;
        }

        Console.WriteLine();
        Console.WriteLine("| partitions | clean restart: ready | RSS | peak RSS | kill -9 restart: ready | RSS | peak RSS | RSS unclean/clean | acknowledged records kept |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        return ok ? 0 : 1;
    }

    private static async Task<(string Row, bool Ok)> RunAsync(string weir, int partitions, int records, string? threads, bool cleanOnly)
    {
        var dir = Path.Combine(Path.GetTempPath(), "weir-restart-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var port = FreePort();
        var props = Path.Combine(dir, "server.properties");
        var lines = new List<string>
        {
            $"listeners=PLAINTEXT://127.0.0.1:{port}",
            $"log.dirs={Path.Combine(dir, "data")}",
            "group.initial.rebalance.delay.ms=0",
        };
        if (threads is not null)
        {
            lines.Add($"num.recovery.threads.per.data.dir={threads}");
        }

        await File.WriteAllLinesAsync(props, lines);
        Broker? current = null;
        try
        {
            var topics = (partitions + PartitionsPerTopic - 1) / PartitionsPerTopic;
            var first = current = await Broker.StartAsync(weir, props);
            Console.WriteLine($"[{partitions}] empty broker ready in {first.ReadyMs} ms");
            var adminOptions = new AdminOptions { BootstrapServers = $"127.0.0.1:{port}" };
            // Creating partitions fsyncs per partition: on a busy machine 1,000 of them outlast the default 30 s.
            adminOptions.TrySet("request.timeout.ms", "600000");
            adminOptions.TrySet("default.api.timeout.ms", "600000");
            await using (var admin = new KafkaAdminClient(adminOptions))
            {
                // One topic (1,000 partitions) per request, so each stays well inside the request timeout.
                for (var t = 0; t < topics; t++)
                {
                    await admin.CreateTopicAsync(new NewTopic($"restart-{t}", Math.Min(PartitionsPerTopic, partitions - (t * PartitionsPerTopic)), 1));
                }
            }

            var sw = Stopwatch.StartNew();
            await ProduceAsync(port, partitions, records);
            Console.WriteLine($"[{partitions}] produced {records} records to each partition in {sw.ElapsedMilliseconds} ms; RSS {first.RssKiB() / 1024} MiB");
            var stopWatch = Stopwatch.StartNew();
            first.Stop(Sigterm);
            Console.WriteLine($"[{partitions}] clean stop (SIGTERM) took {stopWatch.ElapsedMilliseconds} ms");

            var clean = current = await Broker.StartAsync(weir, props);
            var cleanRss = clean.RssKiB();
            var cleanPeak = clean.PeakRssKiB();
            Console.WriteLine($"[{partitions}] after a clean stop: ready in {clean.ReadyMs} ms, RSS {cleanRss / 1024} MiB, peak {cleanPeak / 1024} MiB");
            if (cleanOnly)
            {
                // For builds whose kill -9 restart would exhaust the machine (the 10 MiB index reads).
                clean.Stop(Sigterm);
                current = null;
                return (string.Create(CultureInfo.InvariantCulture, $"| {partitions:N0} | {clean.ReadyMs:N0} ms | {cleanRss / 1024} MiB | {cleanPeak / 1024} MiB | not run | | | | |"), true);
            }

            await ProduceAsync(port, partitions, records);
            Console.WriteLine($"[{partitions}] produced {records} more to each; RSS {clean.RssKiB() / 1024} MiB; kill -9");
            clean.Stop(9);

            var unclean = current = await Broker.StartAsync(weir, props);
            var uncleanRss = unclean.RssKiB();
            var uncleanPeak = unclean.PeakRssKiB();
            Console.WriteLine($"[{partitions}] after kill -9: ready in {unclean.ReadyMs} ms, RSS {uncleanRss / 1024} MiB, peak {uncleanPeak / 1024} MiB");
            var kept = await CountEndOffsetsAsync(port, partitions) == (long)partitions * records * 2;
            unclean.Stop(Sigterm);
            current = null;
            var row = string.Create(
                CultureInfo.InvariantCulture,
                $"| {partitions:N0} | {clean.ReadyMs:N0} ms | {cleanRss / 1024} MiB | {cleanPeak / 1024} MiB | {unclean.ReadyMs:N0} ms | {uncleanRss / 1024} MiB | {uncleanPeak / 1024} MiB | {(double)uncleanRss / cleanRss:F2}x | {(kept ? "yes" : "NO")} |");
            return (row, kept);
        }
        finally
        {
            current?.Stop(9);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task ProduceAsync(int port, int partitions, int records)
    {
        var options = new ProducerOptions { BootstrapServers = $"127.0.0.1:{port}" };
        options.TrySet("linger.ms", "5");
        await using var producer = new KafkaProducer(options);
        var pending = new List<Task<RecordMetadata>>(partitions * records);
        for (var p = 0; p < partitions; p++)
        {
            for (var r = 0; r < records; r++)
            {
                pending.Add(producer.ProduceAsync($"restart-{p / PartitionsPerTopic}", null, "record-value-0123456789"u8.ToArray(), partition: p % PartitionsPerTopic));
            }
        }

        await producer.FlushAsync();
        await Task.WhenAll(pending);
    }

    private static async Task<long> CountEndOffsetsAsync(int port, int partitions)
    {
        await using var admin = new KafkaAdminClient(new AdminOptions { BootstrapServers = $"127.0.0.1:{port}" });
        var request = new Dictionary<TopicPartition, long>();
        for (var p = 0; p < partitions; p++)
        {
            request[new TopicPartition($"restart-{p / PartitionsPerTopic}", p % PartitionsPerTopic)] = -1;
        }

        long total = 0;
        foreach (var listed in (await admin.ListOffsetsAsync(request)).Values)
        {
            total += listed.Offset;
        }

        return total;
    }

    private static string FindWeir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "src", "Weir.Cli", "bin", "Release", "net10.0", "weir.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("weir.dll not found; build src/Weir.Cli in Release or pass --weir.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>One `weir start` process: ready time from spawn to its "ready in" line, memory from /proc.</summary>
    private sealed class Broker(Process process, long readyMs)
    {
        public long ReadyMs { get; } = readyMs;

        public static async Task<Broker> StartAsync(string weir, string props)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(weir);
            psi.ArgumentList.Add("start");
            psi.ArgumentList.Add(props);
            var sw = Stopwatch.StartNew();
            var process = Process.Start(psi)!;
            var ready = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("ready in", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult(sw.ElapsedMilliseconds);
                    Console.WriteLine("  broker: " + e.Data[..e.Data.IndexOf(':', StringComparison.Ordinal)]);
                }
            };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(5))) != ready.Task)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                throw new InvalidOperationException("weir start did not become ready");
            }

            return new Broker(process, await ready.Task);
        }

        public long RssKiB() => Status("VmRSS:");

        public long PeakRssKiB() => Status("VmHWM:");

        private long Status(string field)
        {
            foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }

            return -1;
        }

        private bool _stopped;

        public void Stop(int signal)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            if (SendSignal(process.Id, signal) != 0)
            {
                process.Kill();
            }

            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill();
                process.WaitForExit();
            }

            process.Dispose();
        }
    }
}
