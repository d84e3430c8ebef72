using System.Diagnostics;

namespace Weir.Testing;

/// <summary>
/// A small tmpfs mounted for one test (the tests run as root), so a full disk is real: writes fail with
/// ENOSPC as they would on a production volume. Unmounted on dispose.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private readonly List<string> _fillers = [];

    public Tmpfs(string size = "2m", string options = "")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "weir-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        var result = Run("mount", "-t", "tmpfs", "-o", $"size={size}{options}", "tmpfs", Path);
        if (result.ExitCode != 0)
        {
            Directory.Delete(Path);
            throw new InvalidOperationException($"These tests need to mount a tmpfs (run them as root): {result.Output}");
        }
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a filler file until the file system has no byte left (bounded by its size).</summary>
    public void Fill()
    {
        var filler = Combine($"filler-{_fillers.Count}");
        _fillers.Add(filler);
        var chunk = new byte[64 * 1024];
        using var stream = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        for (var i = 0; i < 1 << 16; i++)
        {
            try
            {
                stream.Write(chunk);
            }
            catch (IOException)
            {
                if (chunk.Length == 1)
                {
                    return;
                }

                chunk = new byte[Math.Max(1, chunk.Length / 16)];
            }
        }

        throw new InvalidOperationException("The tmpfs never filled up.");
    }

    /// <summary>Removes every filler file.</summary>
    public void Free()
    {
        foreach (var filler in _fillers)
        {
            File.Delete(filler);
        }

        _fillers.Clear();
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
        }

        return (process.ExitCode, output);
    }
}
