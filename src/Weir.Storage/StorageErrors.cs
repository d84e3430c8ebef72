namespace Weir.Storage;

/// <summary>
/// Sorts I/O failures of a log dir as the broker must treat them: a full disk or too many open files
/// passes once space or descriptors are freed (the dir stays online and the next append retries);
/// anything else (EIO, EROFS, a vanished directory, bad permissions) takes the dir offline, as Kafka's
/// LogDirFailureChannel does.
/// </summary>
public static class StorageErrors
{
    // Unix errno values, which .NET puts in IOException.HResult for errors it has no special type for.
    private const int Enfile = 23;
    private const int Emfile = 24;
    private const int Enospc = 28;
    private const int Edquot = 122;

    /// <summary>An exception that storage code can raise for a file it could not create, read or write.</summary>
    public static bool IsStorageError(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>No space (or quota) left on the device.</summary>
    public static bool IsDiskFull(Exception e) => e is IOException { HResult: Enospc or Edquot };

    /// <summary>The process (EMFILE) or the system (ENFILE) has no file descriptor left.</summary>
    public static bool IsOutOfFiles(Exception e) => e is IOException { HResult: Emfile or Enfile };

    /// <summary>Failures that pass by themselves: the operation is refused, the dir stays online.</summary>
    public static bool IsTransient(Exception e) => IsDiskFull(e) || IsOutOfFiles(e);
}

/// <summary>Kafka's <c>KafkaStorageException</c>: a log dir could not be used; answered as KAFKA_STORAGE_ERROR.</summary>
public sealed class KafkaStorageException(string message, Exception? innerException = null) : IOException(message, innerException);
