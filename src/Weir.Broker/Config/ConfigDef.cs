namespace Weir.Broker.Config;

/// <summary>
/// One configuration name with Kafka's type, default and validation. <paramref name="Validate"/>
/// returns null when the (already type-checked) value is acceptable, else the reason it is not.
/// </summary>
public sealed record ConfigDef(
    string Name,
    ConfigType Type,
    string? Default,
    string Documentation,
    Func<string, string?>? Validate = null,
    bool ReadOnly = false,
    bool Sensitive = false)
{
    /// <summary>Checks that <paramref name="value"/> parses as this config's type and passes its validator.</summary>
    public string? Check(string value)
    {
        var trimmed = value.Trim();
        var typeError = Type switch
        {
            ConfigType.Int => int.TryParse(trimmed, out _) ? null : "must be a 32-bit integer",
            ConfigType.Short => short.TryParse(trimmed, out _) ? null : "must be a 16-bit integer",
            ConfigType.Long => long.TryParse(trimmed, out _) ? null : "must be a 64-bit integer",
            ConfigType.Double => double.TryParse(trimmed, System.Globalization.CultureInfo.InvariantCulture, out _) ? null : "must be a number",
            ConfigType.Boolean => trimmed is "true" or "false" or "TRUE" or "FALSE" or "True" or "False" ? null : "must be true or false",
            _ => null,
        };
        return typeError ?? Validate?.Invoke(trimmed);
    }

    public static Func<string, string?> AtLeast(long min) =>
        v => long.TryParse(v, out var n) && n >= min ? null : $"must be at least {min}";

    public static Func<string, string?> Between(long min, long max) =>
        v => long.TryParse(v, out var n) && n >= min && n <= max ? null : $"must be between {min} and {max}";

    public static Func<string, string?> OneOf(params string[] allowed) =>
        v => Array.IndexOf(allowed, v) >= 0 ? null : $"must be one of {string.Join(", ", allowed)}";

    /// <summary>A comma-separated list whose every item is one of <paramref name="allowed"/>.</summary>
    public static Func<string, string?> ListOf(params string[] allowed) => v =>
    {
        foreach (var item in v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (Array.IndexOf(allowed, item) < 0)
            {
                return $"must be a list of {string.Join(", ", allowed)}";
            }
        }

        return null;
    };
}
