using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Weir.Cli.Tests;

/// <summary>
/// Running brokers as Kafka users do: kafka-storage.sh to format, kafka-server-start.sh (also -daemon) and
/// kafka-server-stop.sh, the shipped config/server.properties, and one .lock per data dir that keeps a
/// second broker off it. Every broker is a real process, stopped by its own pid in the end.
/// </summary>
public sealed partial class ServerScriptsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-scripts-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _started = [];
    private readonly List<int> _pids = [];

    public ServerScriptsTests() => Directory.CreateDirectory(_dir);

    private static string WeirDll => Path.Combine(AppContext.BaseDirectory, "weir.dll");

    [Fact]
    public async Task A_second_broker_on_a_locked_data_dir_refuses_to_start_with_Kafkas_message()
    {
        var data = Path.Combine(_dir, "data");
        var config = WriteConfig("first.properties", $"listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs={data}\n");
        var (_, output) = await StartAsync("dotnet", [WeirDll, "start", config]);
        Assert.Contains("ready in", string.Join('\n', output), StringComparison.Ordinal);

        var second = await WeirTool.RunAsync(["start", config], timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"Failed to acquire lock on file .lock in {data}. A Kafka instance in another process or thread is using this directory.", second.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("ready in", second.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", second.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daemon_start_returns_at_once_and_the_stop_script_ends_that_broker()
    {
        // This install's brokers are found by the weir.dll path on their command line: a path of the
        // test's own (a symlink to the build) keeps the stop script off every other test's broker.
        var install = Path.Combine(_dir, "install");
        Directory.CreateSymbolicLink(install, AppContext.BaseDirectory.TrimEnd('/'));
        var logDir = Path.Combine(_dir, "logs");
        var env = new Dictionary<string, string> { ["WEIR_DLL"] = Path.Combine(install, "weir.dll"), ["LOG_DIR"] = logDir };
        var config = WriteConfig("daemon.properties", $"listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs={Path.Combine(_dir, "data")}\nbroker.id=7\n");

        var clock = Stopwatch.StartNew();
        var start = await KafkaScripts.RunAsync("kafka-server-start.sh", ["-daemon", config], environment: env, timeout: TimeSpan.FromSeconds(30));
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"-daemon took {clock.Elapsed} to return");

        var outFile = Path.Combine(logDir, "kafkaServer.out");
        var ready = await PollAsync(() => File.Exists(outFile) && File.ReadAllText(outFile).Contains("ready in", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var pid = FindBrokerPid(env["WEIR_DLL"]);
        if (pid is { } p)
        {
            _pids.Add(p);
        }

        Assert.True(ready, File.Exists(outFile) ? File.ReadAllText(outFile) : "no kafkaServer.out");
        Assert.NotNull(pid);
        var port = int.Parse(ListeningPort().Match(File.ReadAllText(outFile)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var list = await WeirTool.RunAsync(["topics", "--bootstrap-server", $"127.0.0.1:{port}", "--list"]);
        Assert.True(list.ExitCode == 0, list.ToString());

        // --node-id picks brokers by their config: none has 8.
        var none = await KafkaScripts.RunAsync("kafka-server-stop.sh", ["--node-id=8"], environment: env);
        Assert.Equal((1, "No kafka server to stop\n"), (none.ExitCode, none.StdOut));
        Assert.False(Process.GetProcessById(pid.Value).HasExited);

        var stop = await KafkaScripts.RunAsync("kafka-server-stop.sh", ["--node-id=7"], environment: env);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.True(await PollAsync(() => !IsAlive(pid.Value), TimeSpan.FromSeconds(60)), "the broker did not exit after SIGTERM");
        Assert.Contains("Weir broker stopping", File.ReadAllText(outFile), StringComparison.Ordinal);

        var again = await KafkaScripts.RunAsync("kafka-server-stop.sh", [], environment: env);
        Assert.Equal((1, "No kafka server to stop\n"), (again.ExitCode, again.StdOut));
    }

    [Fact]
    public async Task Storage_tool_formats_as_Kafka_and_the_broker_starts_on_that_cluster_id_and_refuses_another_node_id()
    {
        var uuid = await KafkaScripts.RunAsync("kafka-storage.sh", ["random-uuid"]);
        Assert.True(uuid.ExitCode == 0, uuid.ToString());
        var clusterId = uuid.StdOut.Trim();
        Assert.Matches("^[A-Za-z0-9_-]{22}$", clusterId);

        var port = FreePort();
        var data = Path.Combine(_dir, "kraft");
        var config = WriteConfig("kraft.properties", $"process.roles=broker,controller\nnode.id=1\nlisteners=PLAINTEXT://127.0.0.1:{port}\ncontroller.quorum.bootstrap.servers=127.0.0.1:{port}\nlog.dirs={data}\n");
        var missingFlag = await KafkaScripts.RunAsync("kafka-storage.sh", ["format", "-t", clusterId, "-c", config]);
        Assert.Equal(1, missingFlag.ExitCode);
        Assert.Contains("Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.", missingFlag.StdErr, StringComparison.Ordinal);

        var exclusive = await KafkaScripts.RunAsync("kafka-storage.sh", ["format", "-t", clusterId, "-c", config, "--standalone", "--no-initial-controllers"]);
        Assert.Equal(1, exclusive.ExitCode);
        Assert.Contains("argument --no-initial-controllers/-N: not allowed with argument --standalone/-s", exclusive.StdErr, StringComparison.Ordinal);

        var format = await KafkaScripts.RunAsync("kafka-storage.sh", ["format", "-t", clusterId, "-c", config, "--standalone"]);
        Assert.True(format.ExitCode == 0, format.ToString());
        Assert.Contains($"Formatting dynamic metadata voter directory {data} with metadata.version 4.0-IV3.", format.StdOut, StringComparison.Ordinal);
        var again = await KafkaScripts.RunAsync("kafka-storage.sh", ["format", "-t", clusterId, "-c", config, "--standalone"]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"Log directory {data} is already formatted. Use --ignore-formatted to ignore this directory and format the others.", again.StdErr, StringComparison.Ordinal);
        var info = await KafkaScripts.RunAsync("kafka-storage.sh", ["info", "-c", config]);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains($"Found metadata: {{cluster.id={clusterId}, directory.id=", info.StdOut, StringComparison.Ordinal);

        // The bootstrap snapshot names this node, with meta.properties' directory.id, at its controller endpoint.
        var directoryId = File.ReadAllLines(Path.Combine(data, "meta.properties")).Single(l => l.StartsWith("directory.id=", StringComparison.Ordinal))["directory.id=".Length..];
        var checkpoint = Path.Combine(data, "__cluster_metadata-0", "00000000000000000000-0000000000.checkpoint");
        var dump = await KafkaScripts.RunAsync("kafka-dump-log.sh", ["--files", checkpoint, "--deep-iteration"]);
        Assert.True(dump.ExitCode == 0, dump.ToString());
        Assert.Contains(" SnapshotHeader {\"version\":0,", dump.StdOut, StringComparison.Ordinal);
        Assert.Contains(" KRaftVersion {\"version\":0,\"kRaftVersion\":1}", dump.StdOut, StringComparison.Ordinal);
        Assert.Contains(
            $" KRaftVoters {{\"version\":0,\"voters\":[{{\"voterId\":1,\"voterDirectoryId\":\"{directoryId}\",\"endpoints\":[{{\"name\":\"PLAINTEXT\",\"host\":\"127.0.0.1\",\"port\":{port}}}],\"kRaftVersionFeature\":{{\"minSupportedVersion\":0,\"maxSupportedVersion\":1}}}}]}}",
            dump.StdOut, StringComparison.Ordinal);
        Assert.Contains(" SnapshotFooter {\"version\":0}", dump.StdOut, StringComparison.Ordinal);

        var (broker, _) = await StartAsync("dotnet", [WeirDll, "start", config]);
        var describe = await WeirTool.RunAsync(["topics", "--bootstrap-server", $"127.0.0.1:{port}", "--create", "--topic", "formatted"]);
        Assert.True(describe.ExitCode == 0, describe.ToString());
        broker.Kill();
        await broker.WaitForExitAsync();
        Assert.Contains($"cluster.id={clusterId}\n", await File.ReadAllTextAsync(Path.Combine(data, "meta.properties")), StringComparison.Ordinal);

        var otherNode = await WeirTool.RunAsync(["start", config, "--override", "node.id=2", "--override", $"controller.quorum.bootstrap.servers=127.0.0.1:{port}"], timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, otherNode.ExitCode);
        Assert.Contains($"{Path.Combine(data, "meta.properties")} has node.id 1, but this config's node id is 2.", otherNode.StdErr, StringComparison.Ordinal);
        Assert.Contains("--override node.id", otherNode.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shipped_server_properties_starts_a_working_single_node()
    {
        // The sample as shipped, but on a free port and in a temp dir, so the test shares nothing.
        var port = FreePort();
        var data = Path.Combine(_dir, "kraft-combined-logs");
        var sample = await File.ReadAllTextAsync(Path.Combine(KafkaScripts.BinDir, "..", "config", "server.properties"));
        Assert.Contains("localhost:9092", sample, StringComparison.Ordinal);
        var config = WriteConfig("server.properties", sample.Replace("localhost:9092", $"localhost:{port}", StringComparison.Ordinal).Replace("/tmp/kraft-combined-logs", data, StringComparison.Ordinal));

        var (_, output) = await StartAsync(Path.Combine(KafkaScripts.BinDir, "kafka-server-start.sh"), [config], new Dictionary<string, string> { ["WEIR_DLL"] = WeirDll });
        Assert.DoesNotContain(output, l => l.Contains("weir: warning", StringComparison.Ordinal));
        var bootstrap = $"localhost:{port}";
        var create = await KafkaScripts.RunAsync("kafka-topics.sh", ["--bootstrap-server", bootstrap, "--create", "--topic", "sample", "--partitions", "1", "--replication-factor", "1"]);
        Assert.Contains("Created topic sample.", create.StdOut, StringComparison.Ordinal);
        var produce = await KafkaScripts.RunAsync("kafka-console-producer.sh", ["--bootstrap-server", bootstrap, "--topic", "sample"], "hello from the sample\n");
        Assert.True(produce.ExitCode == 0, produce.ToString());
        var consume = await KafkaScripts.RunAsync("kafka-console-consumer.sh", ["--bootstrap-server", bootstrap, "--topic", "sample", "--from-beginning", "--max-messages", "1", "--timeout-ms", "30000"]);
        Assert.Contains("hello from the sample", consume.StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data, "meta.properties")), "the first start formats the data dir");
    }

    private string WriteConfig(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Starts a long-running broker process and waits (bounded) until it says it is ready; it is killed by pid at the end.</summary>
    private async Task<(Process Process, ConcurrentQueue<string> Output)> StartAsync(string file, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        _started.Add(process);
        var output = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
                if (e.Data.Contains("ready in", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var first = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(first == ready.Task, $"the broker did not become ready (exited: {process.HasExited}):\n{string.Join('\n', output)}");
        return (process, output);
    }

    private static async Task<bool> PollAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>The pid of the `dotnet DLL start` process, read from /proc as the stop script reads ps.</summary>
    private static int? FindBrokerPid(string dll)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                var at = Array.IndexOf(args, dll);
                if (at >= 0 && at + 1 < args.Length && args[at + 1] == "start")
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningPort();

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        foreach (var pid in _pids)
        {
            if (IsAlive(pid))
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(10_000);
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
