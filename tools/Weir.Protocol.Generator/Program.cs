using Weir.Protocol.Generator;

// Usage: dotnet run --project tools/Weir.Protocol.Generator -- [schema-dir] [output-dir] [tests-output-dir]
// Defaults are relative to the repository root (found from the current directory).
var root = ProtocolGenerator.FindRepoRoot(Directory.GetCurrentDirectory());
if (root is null)
{
    Console.Error.WriteLine("Run from inside the Weir repository (no Weir.slnx found above the current directory).");
    return 2;
}

var schemaDir = args.Length > 0 ? args[0] : Path.Combine(root, ProtocolGenerator.DefaultSchemaDir);
var outputDir = args.Length > 1 ? args[1] : Path.Combine(root, ProtocolGenerator.ProtocolOutput);
var testsDir = args.Length > 2 ? args[2] : Path.Combine(root, ProtocolGenerator.TestsOutput);
if (!Directory.Exists(schemaDir))
{
    Console.Error.WriteLine($"Kafka schemas not found at {Path.GetFullPath(schemaDir)}.");
    return 2;
}

try
{
    var changed = ProtocolGenerator.Run(schemaDir, Path.Combine(root, ProtocolGenerator.DescriptionsFile), outputDir, testsDir);
    Console.WriteLine($"Generated code written; {changed} file(s) changed or removed.");
    return 0;
}
catch (GeneratorException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
