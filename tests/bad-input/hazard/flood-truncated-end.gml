<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml"
 xmlns:wtr="http://www.opengis.net/citygml/waterbody/2.0" xmlns:uro="https://www.geospatial.jp/iur/uro/2.0">
<gml:boundedBy><gml:Envelope srsName="http://www.opengis.net/def/crs/EPSG/0/6697" srsDimension="3">
<gml:lowerCorner>35.28 139.66 0</gml:lowerCorner><gml:upperCorner>35.29 139.67 0</gml:upperCorner></gml:Envelope></gml:boundedBy>
<core:cityObjectMember><wtr:WaterBody gml:id="w1">
<uro:floodingRiskAttribute><uro:RiverFloodingRiskAttribute><uro:rank>2</uro:rank><uro:scale>L2</uro:scale></uro:RiverFloodingRiskAttribute></uro:floodingRiskAttribute>
<wtr:lod1MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
<gml:posList>35.28 139.66 0 35.28 139.661 0 35.281 139.661 0 35.281 139.66 0 35.28 139.66 0</gml:posList>
</gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></wtr:lod1MultiSurface>
</wtr:WaterBody></core:cityObjectMember>
<core:cityObjectMember><wtr:WaterBody gml:id="w2">
<uro:floodingRiskAttribute><uro:RiverFloodingRiskAttribute><uro:rank>2</uro:rank><uro:scale>L2</uro:scale></uro:RiverFloodingRiskAttribute></uro:floodingRiskAttribute>
<wtr:lod1MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
<gml:posList>35.281 139.66 0 35.281 139.661 0 35.282 139.661 0 35.282 139.66 0 35.281 139.66 0</gml:posList>
</gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></wtr:lod1MultiSurface>
</wtr:WaterBody></core:cityObjectMember>
<core:cityObjectMember><wtr:WaterBody gml:id="w3">
<uro:floodingRiskAttribute><uro:RiverFloodingRiskAttribute><uro:rank>2</uro:rank><uro:scale>L2</uro:scale></uro:RiverFloodingRiskAttribute></uro:floodingRiskAttribute>
<wtr:lod1MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
<gml:posList>35.282000000000004 139.66 0 35.282000000000004 139.661 0 35.283 139.661 0 35.283 139.66 0 35.282000000000004 139.66 0</gml:posList>
</gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></wtr:lod1MultiSurface>
</wtr:WaterBody></core:cityObjectMember>
</core:CityMode