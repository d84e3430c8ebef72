using Weir.Protocol.Generator;

namespace Weir.Protocol.Tests;

/// <summary>The committed generated code is exactly what the generator makes from the schemas today.</summary>
public class GeneratedCodeTests
{
    internal static string RepoRoot() =>
        ProtocolGenerator.FindRepoRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"No Weir.slnx above {AppContext.BaseDirectory}.");

    /// <summary>The schemas: $WEIR_KAFKA_SCHEMAS, else ../shared/kafka-protocol beside the repository. Missing is a failure.</summary>
    internal static string SchemaDir()
    {
        var dir = Environment.GetEnvironmentVariable("WEIR_KAFKA_SCHEMAS");
        if (string.IsNullOrEmpty(dir))
        {
            dir = Path.GetFullPath(Path.Combine(RepoRoot(), ProtocolGenerator.DefaultSchemaDir));
        }

        Assert.True(
            Directory.Exists(Path.Combine(dir, "message")),
            $"Kafka schemas not found at {dir}. Set WEIR_KAFKA_SCHEMAS to the directory holding message/, metadata/, ... and errors.tsv.");
        return dir;
    }

    [Fact]
    public void Committed_generated_code_matches_the_generator()
    {
        var root = RepoRoot();
        var temp = Directory.CreateTempSubdirectory("weir-gen-");
        try
        {
            var protocolOut = Path.Combine(temp.FullName, "protocol");
            var testsOut = Path.Combine(temp.FullName, "tests");
            ProtocolGenerator.Run(SchemaDir(), Path.Combine(root, ProtocolGenerator.DescriptionsFile), protocolOut, testsOut);
            AssertSameFiles(protocolOut, Path.Combine(root, ProtocolGenerator.ProtocolOutput));
            AssertSameFiles(testsOut, Path.Combine(root, ProtocolGenerator.TestsOutput));
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static void AssertSameFiles(string fresh, string committed)
    {
        var expected = List(fresh);
        var actual = List(committed);
        const string Hint = " Run `dotnet run --project tools/Weir.Protocol.Generator` and commit the result.";
        Assert.True(expected.SetEquals(actual), $"Generated files differ in {committed}: missing [{string.Join(", ", expected.Except(actual))}], extra [{string.Join(", ", actual.Except(expected))}].{Hint}");
        foreach (var file in expected)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(fresh, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(committed, file))),
                $"{file} is stale.{Hint}");
        }
    }

    private static HashSet<string> List(string dir) =>
        Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*.g.cs", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).ToHashSet(StringComparer.Ordinal)
            : [];
}
