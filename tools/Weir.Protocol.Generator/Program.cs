// Placeholder until the generator lands: prints how it will be used.
Console.Error.WriteLine("usage: dotnet run --project tools/Weir.Protocol.Generator -- [schema-dir] [output-dir]");
return 1;
