namespace Weir.Broker.Config;

/// <summary>
/// One configuration name with Kafka's type, default and validation. <paramref name="Validate"/>
/// returns null when the (already type-checked) value is acceptable, else the reason it is not.
/// <paramref name="NoEffectYet"/> says why a setting Weir accepts (for Kafka's config files and tools)
/// does nothing yet; setting it to anything but the default warns at start-up, and DescribeConfigs'
/// documentation says so. The feature that honours it removes the reason here.
/// </summary>
public sealed record ConfigDef(
    string Name,
    ConfigType Type,
    string? Default,
    string Documentation,
    Func<string, string?>? Validate = null,
    bool ReadOnly = false,
    bool Sensitive = false,
    string? NoEffectYet = null)
{
    /// <summary>The documentation DescribeConfigs reports: never a behaviour Weir does not have.</summary>
    public string FullDocumentation => NoEffectYet is null ? Documentation : $"{Documentation} No effect yet in Weir: {NoEffectYet}.";

    /// <summary>The start-up warning for <paramref name="value"/>, or null when the setting takes effect or keeps its default.</summary>
    public string? NoEffectWarning(string value) =>
        NoEffectYet is null || IsDefault(value) ? null : $"{Name} has no effect yet in Weir: {NoEffectYet}.";

    private bool IsDefault(string value)
    {
        var v = value.Trim();
        if (Default is null)
        {
            return v.Length == 0;
        }

        return Type switch
        {
            ConfigType.Boolean => string.Equals(v, Default, StringComparison.OrdinalIgnoreCase),
            ConfigType.Int or ConfigType.Short or ConfigType.Long => long.TryParse(v, out var n) && long.TryParse(Default, out var d) && n == d,
            ConfigType.Double => double.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var x)
                && double.TryParse(Default, System.Globalization.CultureInfo.InvariantCulture, out var y) && x == y,
            _ => string.Equals(v, Default, StringComparison.Ordinal),
        };
    }

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
