namespace Weir.Broker.Controller;

/// <summary>Kafka's topic name rules (Topic.validate): 1–249 of [a-zA-Z0-9._-], not "." or "..".</summary>
public static class TopicNames
{
    public const int MaxLength = 249;

    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Topic name is empty.";
        }

        if (name is "." or "..")
        {
            return $"Topic name cannot be \"{name}\".";
        }

        if (name.Length > MaxLength)
        {
            return $"Topic name is longer than {MaxLength} characters.";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"Topic name \"{name}\" is illegal: it contains a character other than ASCII alphanumerics, '.', '_' and '-'.";
            }
        }

        return null;
    }
}
