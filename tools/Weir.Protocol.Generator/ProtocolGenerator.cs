using System.Text;

namespace Weir.Protocol.Generator;

/// <summary>
/// Turns Kafka's JSON schemas into C#: one class per schema, the ApiKey and ErrorCode tables, and
/// the tests' random-message factory. Output is a pure function of the inputs (sorted, LF only).
/// </summary>
public static class ProtocolGenerator
{
    /// <summary>Where generated runtime code goes, relative to the repository root.</summary>
    public const string ProtocolOutput = "src/Weir.Protocol/Generated";

    /// <summary>Where the generated test factory goes, relative to the repository root.</summary>
    public const string TestsOutput = "tests/Weir.Protocol.Tests/Generated";

    /// <summary>Our own error descriptions, one NAME&lt;tab&gt;text per line, relative to the repository root.</summary>
    public const string DescriptionsFile = "src/Weir.Protocol/ErrorDescriptions.tsv";

    /// <summary>The schemas' default location relative to the repository root.</summary>
    public const string DefaultSchemaDir = "../shared/kafka-protocol";

    /// <summary>
    /// Generates every file in memory. <c>Protocol</c> keys are paths relative to
    /// <see cref="ProtocolOutput"/>, <c>Tests</c> keys relative to <see cref="TestsOutput"/>.
    /// </summary>
    public static (SortedDictionary<string, string> Protocol, SortedDictionary<string, string> Tests) Generate(string schemaDir, string descriptionsFile)
    {
        var messages = SchemaLoader.LoadAll(schemaDir);
        var protocol = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            protocol.Add($"{m.Area}/{m.Name}.g.cs", MessageEmitter.Emit(m));
        }

        var requests = messages.Where(m => m.Type == "request").ToDictionary(m => m.ApiKey!.Value);
        var responses = messages.Where(m => m.Type == "response").ToDictionary(m => m.ApiKey!.Value);
        var apis = new List<(MessageSpec, MessageSpec)>();
        foreach (var key in requests.Keys.Order())
        {
            if (!responses.TryGetValue(key, out var response))
            {
                throw new GeneratorException($"API key {key} has a request but no response schema.");
            }

            apis.Add((requests[key], response));
        }

        protocol.Add("ApiKey.g.cs", TablesEmitter.ApiKeyEnum(apis));
        protocol.Add("ApiKeys.g.cs", TablesEmitter.ApiKeysTable(apis));
        var (errorEnum, errorTable) = TablesEmitter.Errors(Path.Combine(schemaDir, "errors.tsv"), descriptionsFile);
        protocol.Add("ErrorCode.g.cs", errorEnum);
        protocol.Add("ErrorCodes.g.cs", errorTable);

        var tests = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["RandomMessages.g.cs"] = RandomEmitter.Emit(messages),
        };
        return (protocol, tests);
    }

    /// <summary>Generates and writes both outputs, deleting stale .g.cs files. Returns the number of files written or changed.</summary>
    public static int Run(string schemaDir, string descriptionsFile, string protocolOutputDir, string testsOutputDir)
    {
        var (protocol, tests) = Generate(schemaDir, descriptionsFile);
        return WriteAll(protocol, protocolOutputDir) + WriteAll(tests, testsOutputDir);
    }

    /// <summary>Writes the files under <paramref name="outputDir"/> (only those that changed) and deletes other *.g.cs files there.</summary>
    public static int WriteAll(IReadOnlyDictionary<string, string> files, string outputDir)
    {
        var changed = 0;
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (relative, content) in files)
        {
            var path = Path.GetFullPath(Path.Combine(outputDir, relative));
            wanted.Add(path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = Encoding.UTF8.GetBytes(content);
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            {
                continue;
            }

            File.WriteAllBytes(path, bytes);
            changed++;
        }

        if (Directory.Exists(outputDir))
        {
            foreach (var stale in Directory.GetFiles(outputDir, "*.g.cs", SearchOption.AllDirectories))
            {
                if (!wanted.Contains(Path.GetFullPath(stale)))
                {
                    File.Delete(stale);
                    changed++;
                }
            }
        }

        return changed;
    }

    /// <summary>The nearest directory at or above <paramref name="start"/> holding Weir.slnx, or null.</summary>
    public static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Weir.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
