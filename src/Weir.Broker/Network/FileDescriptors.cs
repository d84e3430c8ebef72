using System.Runtime.InteropServices;

namespace Weir.Broker.Network;

/// <summary>
/// The process's open file limit (RLIMIT_NOFILE). At start-up the soft limit is raised to the hard
/// one, and new connections are refused while few descriptors are left: when the runtime cannot
/// get one (a new thread takes a pipe) it aborts the process ("Out of memory."), so the broker keeps
/// a reserve rather than let clients use the last of them.
/// </summary>
public static partial class FileDescriptors
{
    /// <summary>Each partition keeps a log, an offset index and a time index open.</summary>
    public const int FilesPerPartition = 3;

    private const int RlimitNofile = 7;

    private static long _softLimit = long.MaxValue;
    private static int _lastCount;
    private static long _lastCountTimestamp;

    /// <summary>The soft limit in force (long.MaxValue when unknown or unlimited).</summary>
    public static long SoftLimit => Volatile.Read(ref _softLimit);

    /// <summary>Descriptors kept for the broker itself (threads, segments, logs) that clients may not take.</summary>
    public static long Reserve => Math.Max(64, SoftLimit / 20);

    /// <summary>
    /// Raises the soft limit to the hard limit (as Kafka's start scripts expect of the service manager).
    /// Returns the limits after, or null where there is no such limit (not Linux).
    /// </summary>
    public static (long Soft, long Hard)? RaiseToHardLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            if (GetRLimit(RlimitNofile, out var limit) != 0)
            {
                return null;
            }

            if (limit.Current < limit.Maximum)
            {
                var raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
                if (SetRLimit(RlimitNofile, in raised) == 0)
                {
                    limit = raised;
                }
            }

            Volatile.Write(ref _softLimit, limit.Current > long.MaxValue ? long.MaxValue : (long)limit.Current);
            return ((long)Math.Min(limit.Current, long.MaxValue), (long)Math.Min(limit.Maximum, long.MaxValue));
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Descriptors open now (Linux: entries of /proc/self/fd), or -1 when unknown.</summary>
    public static int CountOpen()
    {
        try
        {
            var count = 0;
            foreach (var _ in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                count++;
            }

            Volatile.Write(ref _lastCount, count);
            Volatile.Write(ref _lastCountTimestamp, TimeProvider.System.GetTimestamp());
            return count;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>
    /// True when a new connection would eat into the reserve. <paramref name="newDescriptor"/> is the
    /// accepted socket's number: the kernel hands out the lowest free one, so all below it are in use.
    /// The count of /proc/self/fd is refreshed at most every 100 ms, and only when it may matter.
    /// </summary>
    public static bool IsNearLimit(int newDescriptor)
    {
        var soft = SoftLimit;
        if (soft == long.MaxValue)
        {
            return false;
        }

        var ceiling = soft - Reserve;
        if (newDescriptor >= ceiling)
        {
            return true;
        }

        var count = Volatile.Read(ref _lastCount);
        if (newDescriptor >= ceiling / 2 || count >= ceiling / 2)
        {
            if (TimeProvider.System.GetElapsedTime(Volatile.Read(ref _lastCountTimestamp)) > TimeSpan.FromMilliseconds(100))
            {
                count = CountOpen();
            }

            return count >= ceiling;
        }

        return false;
    }

    /// <summary>How many partitions <paramref name="softLimit"/> leaves room for, beside what is open now and the reserve.</summary>
    public static long PartitionCapacity(long softLimit, int openNow) =>
        Math.Max(0, (softLimit - Math.Max(openNow, 0) - Math.Max(64, softLimit / 20)) / FilesPerPartition);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
