namespace Weir.Protocol.Tests.Golden;

/// <summary>The captured kcat frames (see README.md), copied next to the test assembly.</summary>
internal static class GoldenFiles
{
    public static byte[] Load(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", name));
}
