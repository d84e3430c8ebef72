using Weir.Storage;

namespace Weir.Broker.Startup;

/// <summary>
/// Kafka's <c>.lock</c> file in each log dir, held exclusively (flock) for the life of the broker, so a
/// second broker on the same directory refuses to start instead of corrupting it. The OS releases the
/// locks when the process dies, so a killed broker never leaves a dir locked.
/// </summary>
public sealed class LogDirLocks : IDisposable
{
    public const string FileName = ".lock";

    private readonly List<FileStream> _held;

    private LogDirLocks(List<FileStream> held) => _held = held;

    /// <summary>Creates each dir if needed and locks it; throws <see cref="IOException"/> naming the dir otherwise.</summary>
    public static LogDirLocks Acquire(IReadOnlyList<string> logDirs)
    {
        var held = new List<FileStream>(logDirs.Count);
        try
        {
            foreach (var dir in logDirs)
            {
                held.Add(Lock(dir));
            }
        }
        catch
        {
            foreach (var stream in held)
            {
                stream.Dispose();
            }

            throw;
        }

        return new LogDirLocks(held);
    }

    private static FileStream Lock(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            // FileShare.None takes an exclusive, non-blocking flock on Unix; another holder makes this throw at once.
            return new FileStream(Path.Combine(dir, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            throw new IOException($"Failed to acquire lock on file {FileName} in {dir}. A Kafka instance in another process or thread is using this directory.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KafkaStorageException($"Log dir {dir} cannot be used: {e.Message}", e);
        }
    }

    // A held flock: EWOULDBLOCK (11) on Linux, ERROR_SHARING_VIOLATION (32) / ERROR_LOCK_VIOLATION (33) on Windows.
    private static bool IsSharingViolation(IOException e) => (e.HResult & 0xFFFF) is 11 or 32 or 33;

    public void Dispose()
    {
        foreach (var stream in _held)
        {
            stream.Dispose();
        }

        _held.Clear();
    }
}
