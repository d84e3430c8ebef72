namespace Weir.Broker.Controller;

/// <summary>IncrementalAlterConfigs' operation ids (Kafka's AlterConfigOp.OpType).</summary>
public enum ConfigOperation : sbyte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}
