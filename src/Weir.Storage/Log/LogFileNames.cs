using System.Globalization;

namespace Weir.Storage.Log;

/// <summary>Kafka's segment file names (<c>LogFileUtils.java</c>): 20-digit base offset plus suffix.</summary>
public static class LogFileNames
{
    public const string LogSuffix = ".log";
    public const string IndexSuffix = ".index";
    public const string TimeIndexSuffix = ".timeindex";
    public const string TxnIndexSuffix = ".txnindex";
    public const string DeletedSuffix = ".deleted";
    public const string CleanedSuffix = ".cleaned";
    public const string SwapSuffix = ".swap";
    public const string TmpSuffix = ".tmp";
    public const string LeaderEpochCheckpoint = "leader-epoch-checkpoint";

    /// <summary>Zero-padded to 20 digits so that <c>ls</c> sorts segments numerically.</summary>
    public static string FilenamePrefixFromOffset(long offset) => offset.ToString("D20", CultureInfo.InvariantCulture);

    public static string LogFile(string dir, long baseOffset) => Path.Combine(dir, FilenamePrefixFromOffset(baseOffset) + LogSuffix);

    public static string IndexFile(string dir, long baseOffset) => Path.Combine(dir, FilenamePrefixFromOffset(baseOffset) + IndexSuffix);

    public static string TimeIndexFile(string dir, long baseOffset) => Path.Combine(dir, FilenamePrefixFromOffset(baseOffset) + TimeIndexSuffix);

    /// <summary>Parses the base offset from a name like <c>00000000000000001234.log</c>.</summary>
    public static bool TryParseBaseOffset(string fileName, out long baseOffset)
    {
        var dot = fileName.IndexOf('.', StringComparison.Ordinal);
        var prefix = dot < 0 ? fileName : fileName[..dot];
        baseOffset = -1;
        return prefix.Length == 20 && long.TryParse(prefix, NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }
}
