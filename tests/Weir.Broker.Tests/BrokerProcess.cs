using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Weir.Broker.Tests;

/// <summary>`weir start` as a real child process, so tests can kill -9 it.</summary>
public sealed class BrokerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private BrokerProcess(Process process, int port, ConcurrentQueue<string> output, long readyMs)
    {
        _process = process;
        Port = port;
        _output = output;
        ReadyMs = readyMs;
    }

    public int Port { get; }

    /// <summary>Every line the broker wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The broker's own "ready in N ms": start-up, loading and recovery, without the runtime's launch.</summary>
    public long ReadyMs { get; }

    /// <summary>Resident memory now (VmRSS), KiB.</summary>
    public long RssKiB => ProcStatus("VmRSS:");

    /// <summary>Peak resident memory (VmHWM), KiB.</summary>
    public long PeakRssKiB => ProcStatus("VmHWM:");

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public static async Task<BrokerProcess> StartAsync(string dataDir, int port, params string[] overrides) => await StartAsync(dataDir, port, [], overrides).ConfigureAwait(false);

    /// <summary>
    /// Starts `weir start` (after <paramref name="prefix"/>, e.g. prlimit, when given) and waits until it is ready.
    /// </summary>
    public static async Task<BrokerProcess> StartAsync(string dataDir, int port, string[] prefix, params string[] overrides)
    {
        var (process, output, ready) = Launch(dataDir, port, prefix, overrides);
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false) != ready)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"weir start did not become ready (exited: {process.HasExited}): {string.Join('\n', output)}");
        }

        return new BrokerProcess(process, port, output, await ready.ConfigureAwait(false));
    }

    /// <summary>Runs a `weir start` that is expected to fail: its exit code and output, or throws if it became ready.</summary>
    public static async Task<(int ExitCode, string Output)> RunFailingStartAsync(string dataDir, int port, params string[] overrides)
    {
        var (process, output, ready) = Launch(dataDir, port, [], overrides);
        using (process)
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(ready, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
            if (first != exited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"weir start was expected to fail but {(first == ready ? "became ready" : "hung")}: {string.Join('\n', output)}");
            }

            process.WaitForExit(); // drains the redirected output
            return (process.ExitCode, string.Join('\n', output));
        }
    }

    private static (Process Process, ConcurrentQueue<string> Output, Task<long> Ready) Launch(string dataDir, int port, string[] prefix, string[] overrides)
    {
        var weirDll = Path.Combine(AppContext.BaseDirectory, "weir.dll");
        var psi = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var args = new List<string>(prefix.Length > 0 ? [.. prefix[1..], "dotnet"] : []);
        args.AddRange([weirDll, "start", "--override", $"listeners=PLAINTEXT://127.0.0.1:{port}", "--override", $"log.dirs={dataDir}"]);
        foreach (var o in overrides)
        {
            args.AddRange(["--override", o]);
        }

        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var output = new ConcurrentQueue<string>();
        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            var at = e.Data.IndexOf(" ready in ", StringComparison.Ordinal);
            if (at >= 0)
            {
                var digits = e.Data[(at + 10)..].Split(' ')[0];
                ready.TrySetResult(long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : -1);
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
        return (process, output, ready.Task);
    }

    /// <summary>Waits (bounded) until the output has a line containing <paramref name="text"/>; false if it never comes.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (deadline.Elapsed > timeout || _process.HasExited)
            {
                return Output.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>The broker's process id (for reading /proc).</summary>
    public int Pid => _process.Id;

    /// <summary>SIGTERM, as systemd or Ctrl-C would stop it; returns the exit code (throws if it does not exit in time).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then waits (bounded) for the clean shutdown that writes the clean-shutdown marker.</summary>
    public void StopGracefully()
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
        {
            kill.WaitForExit();
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            KillHard();
            throw new InvalidOperationException("weir did not stop within 60 s of SIGTERM.");
        }
    }

    private long ProcStatus(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"{field} not in /proc/{_process.Id}/status");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, no clean-shutdown marker.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
