// Reads tab-separated lines from stdin — "B<TAB>id<TAB>endpoint<TAB>weight<TAB>zone" for backends, then
// "K<TAB>key" for keys — and prints "checksum<TAB>hex" followed by one owner id per key ("-" when none).
using System.Globalization;
using AkkaRouter.Ring;

var backends = new List<Backend>();
var keys = new List<string>();
string? line;
while ((line = Console.In.ReadLine()) is not null)
{
    string[] fields = line.Split('\t');
    switch (fields[0])
    {
        case "B":
            backends.Add(new Backend(fields[1], fields[2], double.Parse(fields[3], CultureInfo.InvariantCulture), fields[4]));
            break;
        case "K":
            keys.Add(fields[1]);
            break;
    }
}

RingSnapshot ring = RingSnapshot.Build(backends);
var output = Console.Out;
output.WriteLine($"checksum\t{ring.Checksum:x16}");
foreach (string key in keys)
{
    output.WriteLine(ring.Owner(key)?.Id ?? "-");
}
