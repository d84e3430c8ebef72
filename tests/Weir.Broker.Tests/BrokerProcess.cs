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

    private BrokerProcess(Process process, int port, ConcurrentQueue<string> output, long readyMs)
    {
        _process = process;
        Port = port;
        Output = output;
        ReadyMs = readyMs;
    }

    public int Port { get; }

    /// <summary>Every line the broker wrote to stdout (its log), as it arrives.</summary>
    public ConcurrentQueue<string> Output { get; }

    /// <summary>The broker's own "ready in N ms": start-up, loading and recovery, without the runtime's launch.</summary>
    public long ReadyMs { get; }

    /// <summary>Resident memory now (VmRSS), KiB.</summary>
    public long RssKiB => ProcStatus("VmRSS:");

    /// <summary>Peak resident memory (VmHWM), KiB.</summary>
    public long PeakRssKiB => ProcStatus("VmHWM:");

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public static async Task<BrokerProcess> StartAsync(string dataDir, int port, params string[] overrides)
    {
        var weirDll = Path.Combine(AppContext.BaseDirectory, "weir.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { weirDll, "start", "--override", $"listeners=PLAINTEXT://127.0.0.1:{port}", "--override", $"log.dirs={dataDir}" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var o in overrides)
        {
            psi.ArgumentList.Add("--override");
            psi.ArgumentList.Add(o);
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
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false) != ready.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"weir start did not become ready (exited: {process.HasExited}): {string.Join(" | ", output.TakeLast(5))}");
        }

        return new BrokerProcess(process, port, output, await ready.Task.ConfigureAwait(false));
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
