namespace Weir.Protocol;

/// <summary>
/// A message cannot be expressed in the requested version: the version is outside the schema's
/// range, or a field that would be lost (not ignorable, not at its default) does not exist in it,
/// or a null sits in a version where the field is not nullable. Kafka's equivalent is
/// <c>UnsupportedVersionException</c>; it is a bug in the caller, not a wire error.
/// </summary>
public sealed class UnsupportedVersionException : Exception
{
    public UnsupportedVersionException(string message)
        : base(message)
    {
    }

    public UnsupportedVersionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
