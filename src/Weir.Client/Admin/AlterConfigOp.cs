namespace Weir.Client.Admin;

/// <summary>One change to a config: set a value, delete the override, or append to / subtract from a list.</summary>
public sealed record AlterConfigOp(string Name, string? Value, AlterConfigOpType Op = AlterConfigOpType.Set)
{
    public static AlterConfigOp Set(string name, string value) => new(name, value);

    public static AlterConfigOp Delete(string name) => new(name, null, AlterConfigOpType.Delete);
}
