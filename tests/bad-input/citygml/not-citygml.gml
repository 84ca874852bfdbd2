<?xml version="1.0"?>
<html><body>hello</body></html>
