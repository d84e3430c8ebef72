namespace Weir.Client.Admin;

/// <summary>Settings of a <see cref="KafkaAdminClient"/>; names follow Kafka's admin client configs.</summary>
public class AdminOptions : ClientOptions
{
    /// <summary><c>default.api.timeout.ms</c>: how long one admin call may take in all, retries included.</summary>
    public TimeSpan DefaultApiTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc/>
    public override bool TrySet(string name, string value)
    {
        switch (name)
        {
            case "default.api.timeout.ms": DefaultApiTimeout = Millis(value); return true;
            default: return base.TrySet(name, value);
        }
    }
}
