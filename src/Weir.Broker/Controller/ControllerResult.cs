using Weir.Protocol;

namespace Weir.Broker.Controller;

/// <summary>
/// What a control manager decided (Kafka's ControllerResult): the answer to give once the records are
/// committed, and the records (none when refused or only validating). Nothing is applied by deciding.
/// </summary>
internal readonly record struct ControllerResult<T>(T Response, IReadOnlyList<(IKafkaMessage Record, short Type, short Version)> Records)
{
    public static ControllerResult<T> Of(T response) => new(response, []);
}
