// The kenyon command-line tool: parse, validate, call the library, format results.
int main() { return 0; }
