namespace Weir.Client.Admin;

/// <summary>IncrementalAlterConfigs operations (wire values). Append and subtract work on list configs.</summary>
public enum AlterConfigOpType : sbyte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}
