namespace Weir.Client.Producer;

/// <summary>
/// Told the outcome of each record produced with it. One handler serves many records, and
/// the <c>state</c> argument is the caller's per-record value (a send time, an index), so delivery
/// reports cost no allocation per record.
/// </summary>
public interface IDeliveryHandler
{
    /// <summary>Called once per record, on the producer's I/O thread: keep it short.</summary>
    void OnDelivery(long state, in RecordMetadata metadata, Exception? error);
}
