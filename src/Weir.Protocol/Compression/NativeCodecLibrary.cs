using System.Runtime.InteropServices;

namespace Weir.Protocol.Compression;

/// <summary>
/// Loads a system compression library by hand (no DllImport resolver, which is one per assembly)
/// so a missing library fails with a message naming the Debian package that provides it.
/// </summary>
internal sealed class NativeCodecLibrary
{
    private readonly string _description;
    private readonly nint _handle;
    private readonly string? _error;

    public NativeCodecLibrary(string description, string debianPackage, params string[] names)
    {
        _description = description;
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, typeof(NativeCodecLibrary).Assembly, null, out _handle))
            {
                return;
            }
        }

        _error = $"{description} compression needs the native library {names[0]}, which could not be loaded; " +
                 $"install the Debian package {debianPackage} (apt-get install {debianPackage}, or run scripts/setup-test-deps.sh).";
    }

    public bool IsAvailable => _error is null;

    /// <summary>The address of an exported function; throws <see cref="DllNotFoundException"/> when the library is missing.</summary>
    public nint Export(string name)
    {
        if (_error is not null)
        {
            throw new DllNotFoundException(_error);
        }

        return NativeLibrary.TryGetExport(_handle, name, out var address)
            ? address
            : throw new EntryPointNotFoundException($"The {_description} library has no function {name}; it is too old.");
    }
}
