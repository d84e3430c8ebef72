namespace Weir.Cli.Tests;

/// <summary>
/// Runs the repo's bin/kafka-*.sh shims as a user would, against the weir.dll built with the
/// tests (WEIR_DLL), so no test triggers a publish.
/// </summary>
public static class KafkaScripts
{
    private static readonly Lazy<string> RepoRoot = new(FindRepoRoot);

    public static string BinDir => Path.Combine(RepoRoot.Value, "bin");

    /// <summary>Runs a shim; <paramref name="environment"/> adds to (or replaces) WEIR_DLL.</summary>
    public static Task<ProcessRunner.Result> RunAsync(string script, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string> { ["WEIR_DLL"] = Path.Combine(AppContext.BaseDirectory, "weir.dll") };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        return ProcessRunner.RunAsync(Path.Combine(BinDir, script), args, stdin, timeout ?? TimeSpan.FromSeconds(90), environment: env);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Weir.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Weir.slnx) above " + AppContext.BaseDirectory);
    }
}
