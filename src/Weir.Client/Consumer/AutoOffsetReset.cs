namespace Weir.Client.Consumer;

/// <summary>auto.offset.reset: where to start when there is no committed offset or it is out of range.</summary>
public enum AutoOffsetReset
{
    /// <summary>"latest": the end of the partition (only records produced from now on).</summary>
    Latest,

    /// <summary>"earliest": the log start offset.</summary>
    Earliest,

    /// <summary>"none": fail with OFFSET_OUT_OF_RANGE / NO_OFFSET instead.</summary>
    None,
}
